# Embeds the SQL migrations of examples/live/store/migrations into a C++ include file, a list of
# {"file name", R"(sql)"} entries. Used by cmake/history_migrations.cmake at configure time and by
# setup.py (the Python live module) in script mode:
#   cmake -DRTRISK_MIGRATIONS_DIR=examples/live/store/migrations -DRTRISK_MIGRATIONS_OUT=FILE -P cmake/embed_migrations.cmake
# Writes the file only when its text changes, so an unchanged build is not redone.
file(GLOB _rtrisk_migrations ${RTRISK_MIGRATIONS_DIR}/*.sql)
list(SORT _rtrisk_migrations)
set(_rtrisk_inc "// Generated from examples/live/store/migrations by cmake/embed_migrations.cmake: do not edit.\n")
foreach(_f IN LISTS _rtrisk_migrations)
  get_filename_component(_n ${_f} NAME)
  file(READ ${_f} _sql)
  string(APPEND _rtrisk_inc "{\"${_n}\", R\"rtrisk_sql(${_sql})rtrisk_sql\"},\n")
endforeach()
file(WRITE ${RTRISK_MIGRATIONS_OUT}.tmp "${_rtrisk_inc}")
configure_file(${RTRISK_MIGRATIONS_OUT}.tmp ${RTRISK_MIGRATIONS_OUT} COPYONLY)
