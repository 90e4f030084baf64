# rtrisk_data_dir: the path of the repository's data/ folder for the suites and benchmarks, as
# `extern const char* const rtrisk_data_dir` (header rtrisk_data_dir.hpp). The absolute path is
# compiled into this one small translation unit only, so every other object is the same in any
# clone and the compiler cache hits across paths.
set(_rtrisk_generated ${PROJECT_BINARY_DIR}/generated)
file(CONFIGURE OUTPUT ${_rtrisk_generated}/rtrisk_data_dir.hpp CONTENT
  "#pragma once\n// The repository's data/ folder (absolute path), defined in rtrisk_data_dir.cpp.\nextern const char* const rtrisk_data_dir;\n")
file(CONFIGURE OUTPUT ${_rtrisk_generated}/rtrisk_data_dir.cpp CONTENT
  "#include \"rtrisk_data_dir.hpp\"\nconst char* const rtrisk_data_dir = \"${PROJECT_SOURCE_DIR}/data\";\n")
add_library(rtrisk_data_dir OBJECT ${_rtrisk_generated}/rtrisk_data_dir.cpp)
target_include_directories(rtrisk_data_dir PUBLIC ${_rtrisk_generated})
