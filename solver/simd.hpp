// Runtime dispatch for the hot line kernels: with GCC on x86-64, MESOSIM_HOT_KERNEL compiles a
// function for the baseline ISA, for x86-64-v3 (AVX2, FMA) and for x86-64-v4 (AVX-512), and picks
// the best at load time (ifunc). The binary stays portable; no -march is hard-coded. (Named CPU
// models such as arch=haswell are matched by model, not by features, and missed this Xeon.)
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MESOSIM_NO_CLONES)
#define MESOSIM_HOT_KERNEL __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
// The same dispatch for a function written once per ISA (each definition carries one of the
// three names): for kernels whose code differs by ISA, such as the width of explicit vectors.
#define MESOSIM_ISA_VERSIONS
#define MESOSIM_FOR_ISA(isa) __attribute__((target(isa)))
#else
#define MESOSIM_HOT_KERNEL
#endif

#define MESOSIM_ALWAYS_INLINE inline __attribute__((always_inline))
