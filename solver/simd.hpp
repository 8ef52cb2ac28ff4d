// Runtime dispatch for the hot line kernels: with GCC on x86-64, MESOSIM_HOT_KERNEL compiles a
// function for the baseline ISA, for AVX2+FMA (Haswell) and for AVX-512 (Skylake-X), and picks
// the best at load time (ifunc). The binary stays portable; no -march is hard-coded.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MESOSIM_NO_CLONES)
#define MESOSIM_HOT_KERNEL __attribute__((target_clones("default", "arch=haswell", "arch=skylake-avx512")))
#else
#define MESOSIM_HOT_KERNEL
#endif

#define MESOSIM_ALWAYS_INLINE inline __attribute__((always_inline))
