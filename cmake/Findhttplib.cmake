# Findhttplib: cpp-httplib as Debian packages it (libcpp-httplib-dev ships a compiled
# library and a pkg-config file, no CMake config). Defines httplib::httplib.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_HTTPLIB QUIET cpp-httplib)
endif()
find_path(HTTPLIB_INCLUDE_DIR httplib.h HINTS ${PC_HTTPLIB_INCLUDE_DIRS})
find_library(HTTPLIB_LIBRARY NAMES cpp-httplib HINTS ${PC_HTTPLIB_LIBRARY_DIRS})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(httplib REQUIRED_VARS HTTPLIB_INCLUDE_DIR HTTPLIB_LIBRARY
                                  VERSION_VAR PC_HTTPLIB_VERSION)
if(httplib_FOUND AND NOT TARGET httplib::httplib)
  add_library(httplib::httplib UNKNOWN IMPORTED)
  set_target_properties(httplib::httplib PROPERTIES
    IMPORTED_LOCATION "${HTTPLIB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HTTPLIB_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "${PC_HTTPLIB_CFLAGS_OTHER}")
  # The header's feature macros must match how Debian compiled the library.
  set(_httplib_defs "")
  foreach(flag IN LISTS PC_HTTPLIB_CFLAGS_OTHER)
    if(flag MATCHES "^-D(.+)$")
      list(APPEND _httplib_defs "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set_target_properties(httplib::httplib PROPERTIES INTERFACE_COMPILE_DEFINITIONS "${_httplib_defs}")
  find_package(Threads REQUIRED)
  set_property(TARGET httplib::httplib APPEND PROPERTY INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
mark_as_advanced(HTTPLIB_INCLUDE_DIR HTTPLIB_LIBRARY)
