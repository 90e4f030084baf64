# The live stack's risk-history store (docs/history.md): libpq, and the SQL migrations of
# examples/live/store/migrations embedded into a generated header, history_migrations.inc.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
file(GLOB _rtrisk_migration_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/live/store/migrations/*.sql)
set(RTRISK_MIGRATIONS_DIR ${PROJECT_SOURCE_DIR}/examples/live/store/migrations)
set(RTRISK_MIGRATIONS_OUT ${PROJECT_BINARY_DIR}/generated/history_migrations.inc)
include(${CMAKE_CURRENT_LIST_DIR}/embed_migrations.cmake)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_rtrisk_migration_files})
add_library(rtrisk_live_store INTERFACE)
target_include_directories(rtrisk_live_store INTERFACE ${PROJECT_BINARY_DIR}/generated)
target_link_libraries(rtrisk_live_store INTERFACE PkgConfig::PQ)
