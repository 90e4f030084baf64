#pragma once
/// @file config.hpp
/// Version of rtrisk. CMake reads the version from these three macros.

#define RTRISK_VERSION_MAJOR 0
#define RTRISK_VERSION_MINOR 1
#define RTRISK_VERSION_PATCH 0

#define RTRISK_VERSION (RTRISK_VERSION_MAJOR * 10000 + RTRISK_VERSION_MINOR * 100 + RTRISK_VERSION_PATCH)
