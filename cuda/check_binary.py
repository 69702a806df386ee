#!/usr/bin/env python3
"""Checks, from the built JNI library itself, what a profiler needs from the CUDA code (issue 13):

  python3 cuda/check_binary.py LIBRARY.so NOTES.md

- every GPU target of the build (build-info.properties next to the native build, or the
  default 75/80/86/89/90) has its kernels in the library's fatbinary, each cubin with kernels
  carrying source-line information (.nv_debug_line_sass: nvcc -lineinfo), so that Nsight
  Compute's source view maps SASS to the .cu lines;
- the kernels are exactly those of the kernel table in cuda/NOTES.md ("## Kernels"), by their
  demangled names (no anonymous lambdas or namespaces; template arguments that read as what
  they are), on every target;
- the NVTX loader and the library's domain are compiled in (NVTX3 is header-only: its loader
  reads NVTX_INJECTION64_PATH and looks up InitializeInjectionNvtx2; the domain is
  "gumbel-rao").
Prints each failure and "N passed, M failed"; exits 1 on a failure, 2 when the library has no
CUDA code (nothing to check: the build found no nvcc).
"""
import os
import re
import struct
import subprocess
import sys

EM_CUDA = 190


def sections(elf, base=0):
    """(name, offset, size) of every section of the ELF64 image starting at elf[base:]."""
    shoff = struct.unpack_from('<Q', elf, base + 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, base + 0x3A)
    hdrs = [struct.unpack_from('<IIQQQQIIQQ', elf, base + shoff + i * shentsize) for i in range(shnum)]
    stroff = base + hdrs[shstrndx][4]
    out = []
    for h in hdrs:
        name = elf[stroff + h[0]: elf.index(b'\0', stroff + h[0])].decode()
        out.append((name, base + h[4], h[5]))
    return out


def cubins(fatbin):
    """(sm, section names) of every CUDA ELF image embedded in a fatbinary section."""
    for m in re.finditer(b'\x7fELF\x02\x01\x01', fatbin):
        o = m.start()
        if struct.unpack_from('<H', fatbin, o + 0x12)[0] != EM_CUDA:
            continue
        sm = (struct.unpack_from('<I', fatbin, o + 0x30)[0] >> 8) & 0xFF
        yield sm, [name for name, _, _ in sections(fatbin, o)]


def demangle(names):
    out = subprocess.run(['c++filt'], input='\n'.join(names), capture_output=True, text=True).stdout
    return out.split('\n')[:len(names)]


def short(demangled):
    """gr::cuda::gumbel_rao_team_kernel<gr::cuda::ColumnsPerLane<16> >(...) -> the table's form."""
    s = re.sub(r'^void ', '', demangled)
    s = s[:s.index('(')] if '(' in s else s
    return s.replace('gr::cuda::', '').replace(' ', '')


def table_kernels(notes):
    """Kernel names in the first column of the table under '## Kernels'."""
    text = open(notes).read()
    start = text.index('\n## Kernels')
    end = text.find('\n## ', start + 1)
    out = set()
    for name, cs in re.findall(r'^\| `([A-Za-z_]\w*(?:<[^`]*>)?)`(?:, C = ([0-9, ]+))? \|',
                               text[start:end], re.M):
        name = name.replace(' ', '')
        if cs:  # one row for every instantiation: name<...<C>> with C = 4, 8, 16
            out.update(name.replace('<C>', '<%s>' % c.strip()) for c in cs.split(','))
        else:
            out.add(name)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    lib, notes = sys.argv[1], sys.argv[2]
    data = open(lib, 'rb').read()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL', what)

    fat = [(off, size) for name, off, size in sections(data) if name == '.nv_fatbin']
    if not fat:
        print('no .nv_fatbin section: the library has no CUDA code')
        return 2
    fatbin = data[fat[0][0]: fat[0][0] + fat[0][1]]
    expected = table_kernels(notes)
    check(len(expected) > 0, 'the kernel table of %s lists kernels' % notes)
    by_sm = {}
    for sm, names in cubins(fatbin):
        texts = [n[len('.text.'):] for n in names if n.startswith('.text.')]
        if not texts:
            continue  # a file without kernels (runtime wrappers)
        check('.nv_debug_line_sass' in names,
              'sm_%d cubin with %s has no .nv_debug_line_sass (built without -lineinfo)'
              % (sm, texts[0]))
        by_sm.setdefault(sm, set()).update(texts)
    archs = [75, 80, 86, 89, 90]
    info = lib.rsplit('/classes/', 1)[0] + '/native/lib/build-info.properties'
    for line in open(info) if '/classes/' in lib and os.path.exists(info) else []:
        if line.startswith('cuda.architectures='):
            archs = sorted({int(a.split('-')[0]) for a in line.split('=', 1)[1].strip().split(';')
                            if a.endswith('-real')})
    for sm in archs:
        check(sm in by_sm, 'no kernels for sm_%d in the fatbinary' % sm)
    for sm, mangled in sorted(by_sm.items()):
        mangled = sorted(mangled)
        dem = demangle(mangled)
        for m, d in zip(mangled, dem):
            check('lambda' not in d and 'anonymous' not in d,
                  'sm_%d kernel name %s is not readable' % (sm, d))
        got = {short(d) for d in dem}
        check(got == expected, 'sm_%d kernels differ from the table: extra %s, missing %s'
              % (sm, sorted(got - expected), sorted(expected - got)))
    for needle in (b'NVTX_INJECTION64_PATH', b'InitializeInjectionNvtx2', b'gumbel-rao\0'):
        check(needle in data, 'the library lacks the string %r (NVTX not compiled in?)' % needle)
    print('%s: %d kernels on %s, each cubin with line information; NVTX loader and domain present'
          % (lib.rsplit('/', 1)[-1], len(expected), ', '.join('sm_%d' % s for s in sorted(by_sm))))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
