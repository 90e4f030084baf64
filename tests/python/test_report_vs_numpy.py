"""The report's VaR/ES (`rtrisk report --format csv`) against numpy and Python's statistics on the
real data, every column and the equal-weight portfolio of both files, three confidences, three
methods (check_report_against_numpy.py says how each reference is computed; 1e-12 relative)."""
import sys

from check_report_against_numpy import run
from conftest import DATA


def test_report_matches_independent_python_computations(capsys):
    failures = run(str(DATA), [sys.executable, "-m", "rtrisk", "report"])
    out = capsys.readouterr().out
    assert "figures checked" in out
    assert failures == 0, out
