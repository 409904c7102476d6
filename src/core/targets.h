/*
 * The instruction sets a kernel may compile a function for beside the
 * baseline (a target attribute), picked at run time with
 * __builtin_cpu_supports: AVX2 and AVX-512F on x86, nothing elsewhere.
 */
#ifndef PK_CORE_TARGETS_H
#define PK_CORE_TARGETS_H

#if defined(__x86_64__) || defined(__i386__)
#define PK_X86 1
#define TARGET_AVX2 __attribute__((target("avx2")))
#define TARGET_AVX512 __attribute__((target("avx512f")))
#else
#define PK_X86 0
#define TARGET_AVX2
#define TARGET_AVX512
#endif

#endif
