# CMake toolchain for the linux-arm64 natives, cross-compiled on x86-64 with Debian's
# g++-aarch64-linux-gnu (its sysroot is /usr/aarch64-linux-gnu):
#   cmake -S . -B target/native-arm64 -DCMAKE_TOOLCHAIN_FILE=native/cross/aarch64-linux-gnu.cmake
# The result is checked under qemu-user against the x86-64 build (native/cross/check-arm64.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
find_program(GR_AARCH64_CXX aarch64-linux-gnu-g++)
if(NOT GR_AARCH64_CXX)
  message(FATAL_ERROR "aarch64-linux-gnu-g++ not found: the linux-arm64 natives need Debian's "
          "g++-aarch64-linux-gnu (apt-get install g++-aarch64-linux-gnu); a Maven build without "
          "them: -Darm64.skip=true (the build then makes no linux-arm64 jar)")
endif()
set(CMAKE_CXX_COMPILER ${GR_AARCH64_CXX})
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
