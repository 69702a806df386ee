// Loads a shared library with every symbol resolved now (RTLD_NOW) and looks up one of its
// symbols: what the JVM's System.load does with the JNI library. Run under qemu-user on the
// linux-arm64 JNI library (native/cross/check-arm64.sh), it shows the library loads there.
//   load_library PATH SYMBOL
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PATH SYMBOL\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen failed: %s\n", dlerror());
    return 1;
  }
  if (!dlsym(lib, argv[2])) {
    fprintf(stderr, "%s: no symbol %s\n", argv[1], argv[2]);
    return 1;
  }
  printf("%s loads (RTLD_NOW) and exports %s\n", argv[1], argv[2]);
  return 0;
}
