# Every dependency is a Debian package installed by scripts/setup.sh.
# Debian's antlr4_generate() is broken; grammar/CMakeLists.txt calls the tool directly.
find_library(ANTLR4_RUNTIME antlr4-runtime REQUIRED)
find_path(ANTLR4_INCLUDE_DIR antlr4-runtime.h PATH_SUFFIXES antlr4-runtime REQUIRED)
find_program(ANTLR4_TOOL antlr4 REQUIRED)

find_package(LLVM 14 REQUIRED CONFIG PATHS /usr/lib/llvm-14/lib/cmake/llvm NO_DEFAULT_PATH)
llvm_map_components_to_libnames(PIPE_LLVM_LIBS support)
# Never take llvm-config's C++ flags (-fno-exceptions, -std=c++14): only includes.
add_library(pipe_llvm INTERFACE)
target_include_directories(pipe_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_link_libraries(pipe_llvm INTERFACE ${PIPE_LLVM_LIBS})

find_package(fmt REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
# OpenSSL's libcrypto (Debian libssl-dev): the plan digest's SHA-256
# (plan/Sha256.cpp) uses the CPU's SHA extensions through it, about five
# times LLVM's portable SHA256 (issue 18). libcurl and cpp-httplib already
# bring libssl3 onto every machine that runs piperun.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Threads REQUIRED)
# cpp-httplib (Debian libcpp-httplib-dev) carries the API of `piperun serve`;
# Debian ships it split into a header and libcpp-httplib.so, so its flags
# (which select the declarations matching the library) come from pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# libpq (Debian libpq-dev): the PostgreSQL store of `piperun serve --store
# postgresql://...` (runtime/journal/PgStore.*). The C client is what the
# PostgreSQL project itself keeps; libpqxx would add a C++ layer we do not need.
find_package(PostgreSQL REQUIRED)
