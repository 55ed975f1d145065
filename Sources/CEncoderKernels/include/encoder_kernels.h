// Numeric kernels of the sentence encoder (Sources/SentenceEncoder): a packed-panel GEMM with a
// 6×16 AVX2/FMA register tile, a vectorized erf-GELU, softmax rows and residual + LayerNorm.
//
// Why C: Swift on Linux x86-64 compiles for baseline x86-64 (SSE2) and has no per-function
// target attribute, so its SIMD types never emit AVX2 FMA (checked with objdump -d of swiftc -O:
// SIMD8<Float> `*` is two SSE mulps on xmm, `addingProduct` eight calls of libm's scalar fmaf). Here each AVX2 function carries __attribute__((target("avx2,fma"))) and is only called
// after a runtime CPU check; a portable C path (same results up to rounding) runs elsewhere.
#ifndef ENCODER_KERNELS_H
#define ENCODER_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed panel (two 8-float AVX registers) and rows per register tile.
#define EK_PANEL 16
#define EK_TILE_ROWS 6

/// Epilogues applied when a tile is stored.
#define EK_EPILOGUE_NONE 0
#define EK_EPILOGUE_GELU 1

/// Floats a packed K×N matrix takes: ceil(N/16) panels of K×16 (the last one zero-padded).
size_t ek_packed_count(int k, int n);

/// Packs B (K×N), whose element (k, n) is at b[k*stride_k + n*stride_n], into panels:
/// packed[p*K*16 + k*16 + j] = B(k, 16p + j). A linear layer's weight W (N×K, row-major, as
/// PyTorch stores it) packs as B = Wᵀ with stride_k = 1, stride_n = K.
void ek_pack(const float *b, ptrdiff_t stride_k, ptrdiff_t stride_n, int k, int n, float *packed);

/// C[0..<m, 16*panel_begin ..< min(n, 16*panel_end)] = A·B (+ bias) (then the epilogue), where A
/// is m×k row-major with leading dimension lda, B is packed by ek_pack, C has leading dimension ldc.
/// bias may be NULL. Threads split the panel range; each call writes only its own columns.
void ek_gemm(const float *a, int lda, int m, int k, const float *packed, int n,
             int panel_begin, int panel_end, float *c, int ldc, const float *bias, int epilogue);

/// The portable path of ek_gemm (plain C, whatever the CPU), for tests and the benchmark.
void ek_gemm_portable(const float *a, int lda, int m, int k, const float *packed, int n,
                      int panel_begin, int panel_end, float *c, int ldc, const float *bias, int epilogue);

/// Naive triple loop (reference for tests): C = A·B (+bias), B row-major K×N with leading dim ldb.
void ek_gemm_reference(const float *a, int lda, int m, int k, const float *b, int ldb, int n,
                       float *c, int ldc, const float *bias, int epilogue);

/// x[i] = gelu(x[i]) = x/2 · (1 + erf(x/√2)), in place.
void ek_gelu(float *x, size_t count);

/// Each of `rows` rows (cols values, leading dim lds) becomes softmax(scale · row), in place.
void ek_softmax_rows(float *s, int rows, int cols, int lds, float scale);

/// x = LayerNorm(x + y) row by row (y may be NULL): (v - mean) / sqrt(var + eps) * gamma + beta.
void ek_add_layernorm(float *x, const float *y, int rows, int dim,
                      const float *gamma, const float *beta, float eps);

/// 1 if the CPU has AVX2 and FMA and the fast path is enabled, else 0.
int ek_simd_active(void);
/// Enables (1) or disables (0) the AVX2 path process-wide (for the benchmark's comparison; tests
/// call ek_gemm_portable instead, since they run in parallel). Stays off on CPUs without AVX2/FMA.
void ek_set_simd_enabled(int enabled);

#ifdef __cplusplus
}
#endif
#endif
