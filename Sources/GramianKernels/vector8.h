// Eight-lane float vectors through GCC/Clang vector extensions, shared by
// kernels.c and retrieval_kernels.c. Helpers are macros, not functions:
// passing 32-byte vectors across a call in the portable build would change
// the ABI (clang rejects it).
#ifndef GRAMIAN_VECTOR8_H
#define GRAMIAN_VECTOR8_H
#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

#define load8(p) ({ v8 _v; memcpy(&_v, (p), 32); _v; })
#define store8(p, v) do { v8 _s = (v); memcpy((p), &_s, 32); } while (0)
#define splat8(a) ({ float _a = (a); (v8){_a, _a, _a, _a, _a, _a, _a, _a}; })
#define hsum8(v) ({ v8 _h = (v); ((_h[0] + _h[4]) + (_h[1] + _h[5])) + ((_h[2] + _h[6]) + (_h[3] + _h[7])); })

// Sixteen-lane vectors for the AVX-512 build only (kernels.c defines
// GK_VW 16 around that build). Used inside functions and macros, never
// across a call. lo8/hi8 split one into the two eight-lane halves, which is
// how the AVX-512 kernels keep the AVX2 kernels' summation order.
typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
#define load16(p) ({ v16 _v; memcpy(&_v, (p), 64); _v; })
#define store16(p, v) do { v16 _s = (v); memcpy((p), &_s, 64); } while (0)
#define splat16(a) ({ float _a = (a); (v16){_a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a, _a}; })
#define lo8(v) __builtin_shufflevector((v), (v), 0, 1, 2, 3, 4, 5, 6, 7)
#define hi8(v) __builtin_shufflevector((v), (v), 8, 9, 10, 11, 12, 13, 14, 15)
#endif
