# ccache as the compiler launcher, when installed, set up so that a second clone of the repository
# at another path hits the cache: base_dir is the repository root (ccache then hands the compiler
# paths relative to the build folder, so objects and __FILE__ carry no clone path) and hash_dir
# is off (debug info names the build folder, which differs between clones but not in the code).
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  get_filename_component(_rtrisk_repository_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${_rtrisk_repository_root} CCACHE_NOHASHDIR=1 ${CCACHE_PROGRAM})
endif()
