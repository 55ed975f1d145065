// See include/encoder_kernels.h for why these kernels are in C.
#include "encoder_kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define EK_X86 1
#include <immintrin.h>
#endif

// Rows of A × depth of one K block: the B block of a panel (16 × KC floats = 16 KB) stays in L1
// while the tile rows of an M block (MC × KC floats = 96 KB) stay in L2.
#define EK_KC 256
#define EK_MC 96

static int ek_simd_enabled = -1;   // -1: not yet checked

static int ek_cpu_has_avx2_fma(void) {
#if EK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int ek_simd_active(void) {
    if (ek_simd_enabled < 0) ek_simd_enabled = ek_cpu_has_avx2_fma();
    return ek_simd_enabled;
}

void ek_set_simd_enabled(int enabled) {
    ek_simd_enabled = enabled && ek_cpu_has_avx2_fma();
}

size_t ek_packed_count(int k, int n) {
    size_t panels = ((size_t)n + EK_PANEL - 1) / EK_PANEL;
    return panels * (size_t)k * EK_PANEL;
}

void ek_pack(const float *b, ptrdiff_t stride_k, ptrdiff_t stride_n, int k, int n, float *packed) {
    int panels = (n + EK_PANEL - 1) / EK_PANEL;
    for (int p = 0; p < panels; p++) {
        float *dst = packed + (size_t)p * k * EK_PANEL;
        int n0 = p * EK_PANEL;
        int width = n - n0 < EK_PANEL ? n - n0 : EK_PANEL;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < width; j++) dst[kk * EK_PANEL + j] = b[kk * stride_k + (ptrdiff_t)(n0 + j) * stride_n];
            for (int j = width; j < EK_PANEL; j++) dst[kk * EK_PANEL + j] = 0.0f;
        }
    }
}

// erf for float: Eigen's rational approximation (odd/even polynomials on [-4, 4]), max error
// ~7e-8 against erf in double; needs no exp, so it vectorizes.
#define EK_ERF_ALPHA {-2.72614225801306e-10f, 2.77068142495902e-08f, -2.10102402082508e-06f, \
    -5.69250639462346e-05f, -7.34990630326855e-04f, -2.95459980854025e-03f, -1.60960333262415e-02f}
#define EK_ERF_BETA {-1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f, \
    -7.37332916720468e-03f, -1.42647390514189e-02f}

static inline float ek_gelu1(float v) {
    static const float alpha[7] = EK_ERF_ALPHA, beta[5] = EK_ERF_BETA;
    float x = v * 0.70710678118654752f;
    x = x > 4.0f ? 4.0f : (x < -4.0f ? -4.0f : x);
    float x2 = x * x, p = alpha[0], q = beta[0];
    for (int i = 1; i < 7; i++) p = p * x2 + alpha[i];
    for (int i = 1; i < 5; i++) q = q * x2 + beta[i];
    return 0.5f * v * (1.0f + x * p / q);
}

// ---------------------------------------------------------------- portable path

void ek_gemm_portable(const float *a, int lda, int m, int k, const float *packed, int n,
                          int pb, int pe, float *c, int ldc, const float *bias, int epilogue) {
    int panels = (n + EK_PANEL - 1) / EK_PANEL;
    if (pe > panels) pe = panels;
    for (int p = pb; p < pe; p++) {
        const float *bp = packed + (size_t)p * k * EK_PANEL;
        int n0 = p * EK_PANEL;
        int width = n - n0 < EK_PANEL ? n - n0 : EK_PANEL;
        for (int i = 0; i < m; i++) {
            float acc[EK_PANEL];
            for (int j = 0; j < EK_PANEL; j++) acc[j] = (bias && j < width) ? bias[n0 + j] : 0.0f;
            const float *ar = a + (size_t)i * lda;
            for (int kk = 0; kk < k; kk++) {
                float av = ar[kk];
                const float *br = bp + kk * EK_PANEL;
                for (int j = 0; j < EK_PANEL; j++) acc[j] += av * br[j];
            }
            float *cr = c + (size_t)i * ldc + n0;
            for (int j = 0; j < width; j++) cr[j] = epilogue == EK_EPILOGUE_GELU ? ek_gelu1(acc[j]) : acc[j];
        }
    }
}

static void softmax_portable(float *s, int rows, int cols, int lds, float scale) {
    for (int r = 0; r < rows; r++) {
        float *row = s + (size_t)r * lds;
        float mx = -INFINITY;
        for (int j = 0; j < cols; j++) { row[j] *= scale; if (row[j] > mx) mx = row[j]; }
        float sum = 0;
        for (int j = 0; j < cols; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
        float inv = 1.0f / sum;
        for (int j = 0; j < cols; j++) row[j] *= inv;
    }
}

// ---------------------------------------------------------------- AVX2 + FMA path
#if EK_X86
#define EK_AVX2 __attribute__((target("avx2,fma")))
#define EK_AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

EK_AVX2_INLINE __m256 gelu8(__m256 v) {
    const __m256 x0 = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
    const __m256 x = _mm256_max_ps(_mm256_min_ps(x0, _mm256_set1_ps(4.0f)), _mm256_set1_ps(-4.0f));
    const __m256 x2 = _mm256_mul_ps(x, x);
    static const float alpha[7] = EK_ERF_ALPHA, beta[5] = EK_ERF_BETA;
    __m256 p = _mm256_set1_ps(alpha[0]), q = _mm256_set1_ps(beta[0]);
    for (int i = 1; i < 7; i++) p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(alpha[i]));
    for (int i = 1; i < 5; i++) q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(beta[i]));
    const __m256 erf = _mm256_div_ps(_mm256_mul_ps(x, p), q);
    const __m256 half_v = _mm256_mul_ps(v, _mm256_set1_ps(0.5f));
    return _mm256_fmadd_ps(half_v, erf, half_v);
}

// exp for x ≤ 0 (softmax after subtracting the row max): Cephes' polynomial after range reduction
// by ln 2, clamped below at -87 so 2^n stays a normal float. Relative error ~2e-7.
EK_AVX2_INLINE __m256 exp8(__m256 x) {
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.0f)), _mm256_set1_ps(-87.0f));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// One MR×16 tile of C over one K block. first: start from bias (or 0) instead of C; last: apply
// the epilogue. MR is a compile-time constant at every call site, so acc lives in registers.
EK_AVX2_INLINE void tile(const int MR, const float *a, int lda, const float *b, int kc,
                         float *c, int ldc, int width, int first, int last,
                         const float *bias, int epilogue) {
    __m256 acc[EK_TILE_ROWS][2];
    if (first) {
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
        if (bias) {
            if (width == EK_PANEL) { b0 = _mm256_loadu_ps(bias); b1 = _mm256_loadu_ps(bias + 8); }
            else {
                float tmp[EK_PANEL] = {0};
                memcpy(tmp, bias, sizeof(float) * width);
                b0 = _mm256_loadu_ps(tmp); b1 = _mm256_loadu_ps(tmp + 8);
            }
        }
        for (int r = 0; r < MR; r++) { acc[r][0] = b0; acc[r][1] = b1; }
    } else {
        for (int r = 0; r < MR; r++) {
            if (width == EK_PANEL) {
                acc[r][0] = _mm256_loadu_ps(c + (size_t)r * ldc);
                acc[r][1] = _mm256_loadu_ps(c + (size_t)r * ldc + 8);
            } else {
                float tmp[EK_PANEL] = {0};
                memcpy(tmp, c + (size_t)r * ldc, sizeof(float) * width);
                acc[r][0] = _mm256_loadu_ps(tmp); acc[r][1] = _mm256_loadu_ps(tmp + 8);
            }
        }
    }
    for (int kk = 0; kk < kc; kk++) {
        const __m256 b0 = _mm256_loadu_ps(b + kk * EK_PANEL);
        const __m256 b1 = _mm256_loadu_ps(b + kk * EK_PANEL + 8);
        for (int r = 0; r < MR; r++) {
            const __m256 av = _mm256_broadcast_ss(a + (size_t)r * lda + kk);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    if (last && epilogue == EK_EPILOGUE_GELU) {
        for (int r = 0; r < MR; r++) { acc[r][0] = gelu8(acc[r][0]); acc[r][1] = gelu8(acc[r][1]); }
    }
    for (int r = 0; r < MR; r++) {
        if (width == EK_PANEL) {
            _mm256_storeu_ps(c + (size_t)r * ldc, acc[r][0]);
            _mm256_storeu_ps(c + (size_t)r * ldc + 8, acc[r][1]);
        } else {
            float tmp[EK_PANEL];
            _mm256_storeu_ps(tmp, acc[r][0]); _mm256_storeu_ps(tmp + 8, acc[r][1]);
            memcpy(c + (size_t)r * ldc, tmp, sizeof(float) * width);
        }
    }
}

static EK_AVX2 void gemm_avx2(const float *a, int lda, int m, int k, const float *packed, int n,
                              int pb, int pe, float *c, int ldc, const float *bias, int epilogue) {
    if (k == 0) {   // C = bias (or 0), then the epilogue
        for (int i = 0; i < m; i++)
            for (int j = pb * EK_PANEL; j < n && j < pe * EK_PANEL; j++) {
                float v = bias ? bias[j] : 0.0f;
                c[(size_t)i * ldc + j] = epilogue == EK_EPILOGUE_GELU ? ek_gelu1(v) : v;
            }
        return;
    }
    for (int k0 = 0; k0 < k; k0 += EK_KC) {
        const int kc = k - k0 < EK_KC ? k - k0 : EK_KC;
        const int first = k0 == 0, last = k0 + kc >= k;
        for (int m0 = 0; m0 < m; m0 += EK_MC) {
            const int m1 = m0 + EK_MC < m ? m0 + EK_MC : m;
            for (int p = pb; p < pe; p++) {
                const int n0 = p * EK_PANEL;
                const int width = n - n0 < EK_PANEL ? n - n0 : EK_PANEL;
                const float *bp = packed + (size_t)p * k * EK_PANEL + (size_t)k0 * EK_PANEL;
                const float *bb = bias ? bias + n0 : NULL;
                int i = m0;
                for (; i + EK_TILE_ROWS <= m1; i += EK_TILE_ROWS)
                    tile(6, a + (size_t)i * lda + k0, lda, bp, kc, c + (size_t)i * ldc + n0, ldc, width, first, last, bb, epilogue);
                const float *ai = a + (size_t)i * lda + k0;
                float *ci = c + (size_t)i * ldc + n0;
                switch (m1 - i) {
                case 5: tile(5, ai, lda, bp, kc, ci, ldc, width, first, last, bb, epilogue); break;
                case 4: tile(4, ai, lda, bp, kc, ci, ldc, width, first, last, bb, epilogue); break;
                case 3: tile(3, ai, lda, bp, kc, ci, ldc, width, first, last, bb, epilogue); break;
                case 2: tile(2, ai, lda, bp, kc, ci, ldc, width, first, last, bb, epilogue); break;
                case 1: tile(1, ai, lda, bp, kc, ci, ldc, width, first, last, bb, epilogue); break;
                default: break;
                }
            }
        }
    }
}

static EK_AVX2 void gelu_avx2(float *x, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    for (; i < count; i++) x[i] = ek_gelu1(x[i]);
}

static EK_AVX2 void softmax_avx2(float *s, int rows, int cols, int lds, float scale) {
    const __m256 vscale = _mm256_set1_ps(scale);
    for (int r = 0; r < rows; r++) {
        float *row = s + (size_t)r * lds;
        __m256 vmax = _mm256_set1_ps(-INFINITY);
        int j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 v = _mm256_mul_ps(_mm256_loadu_ps(row + j), vscale);
            _mm256_storeu_ps(row + j, v);
            vmax = _mm256_max_ps(vmax, v);
        }
        float tmp[8];
        _mm256_storeu_ps(tmp, vmax);
        float mx = tmp[0];
        for (int t = 1; t < 8; t++) if (tmp[t] > mx) mx = tmp[t];
        for (; j < cols; j++) { row[j] *= scale; if (row[j] > mx) mx = row[j]; }
        const __m256 vmx = _mm256_set1_ps(mx);
        __m256 vsum = _mm256_setzero_ps();
        for (j = 0; j + 8 <= cols; j += 8) {
            __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), vmx));
            _mm256_storeu_ps(row + j, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        _mm256_storeu_ps(tmp, vsum);
        float sum = tmp[0] + tmp[1] + tmp[2] + tmp[3] + tmp[4] + tmp[5] + tmp[6] + tmp[7];
        for (; j < cols; j++) { row[j] = expf(row[j] - mx); sum += row[j]; }
        const __m256 vinv = _mm256_set1_ps(1.0f / sum);
        for (j = 0; j + 8 <= cols; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), vinv));
        for (; j < cols; j++) row[j] *= 1.0f / sum;
    }
}

// Plain loops, but compiled for AVX2 so the compiler vectorizes them with 8-wide registers.
static EK_AVX2 void add_layernorm_avx2(float *x, const float *y, int rows, int dim,
                                       const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        float *v = x + (size_t)r * dim;
        if (y) { const float *w = y + (size_t)r * dim; for (int j = 0; j < dim; j++) v[j] += w[j]; }
        float sum = 0;
        for (int j = 0; j < dim; j++) sum += v[j];
        const float mean = sum / dim;
        float var = 0;
        for (int j = 0; j < dim; j++) { float d = v[j] - mean; var += d * d; }
        const float inv = 1.0f / sqrtf(var / dim + eps);
        for (int j = 0; j < dim; j++) v[j] = (v[j] - mean) * inv * gamma[j] + beta[j];
    }
}
#endif

// ---------------------------------------------------------------- dispatch

void ek_gemm(const float *a, int lda, int m, int k, const float *packed, int n,
             int panel_begin, int panel_end, float *c, int ldc, const float *bias, int epilogue) {
    int panels = (n + EK_PANEL - 1) / EK_PANEL;
    if (panel_end > panels) panel_end = panels;
    if (m <= 0 || panel_begin >= panel_end) return;
#if EK_X86
    if (ek_simd_active()) { gemm_avx2(a, lda, m, k, packed, n, panel_begin, panel_end, c, ldc, bias, epilogue); return; }
#endif
    ek_gemm_portable(a, lda, m, k, packed, n, panel_begin, panel_end, c, ldc, bias, epilogue);
}

void ek_gemm_reference(const float *a, int lda, int m, int k, const float *b, int ldb, int n,
                       float *c, int ldc, const float *bias, int epilogue) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double acc = bias ? bias[j] : 0.0;
            for (int kk = 0; kk < k; kk++) acc += (double)a[(size_t)i * lda + kk] * b[(size_t)kk * ldb + j];
            float v = (float)acc;
            if (epilogue == EK_EPILOGUE_GELU) v = (float)(0.5 * acc * (1.0 + erf(acc / sqrt(2.0))));
            c[(size_t)i * ldc + j] = v;
        }
}

void ek_gelu(float *x, size_t count) {
#if EK_X86
    if (ek_simd_active()) { gelu_avx2(x, count); return; }
#endif
    for (size_t i = 0; i < count; i++) x[i] = ek_gelu1(x[i]);
}

void ek_softmax_rows(float *s, int rows, int cols, int lds, float scale) {
#if EK_X86
    if (ek_simd_active()) { softmax_avx2(s, rows, cols, lds, scale); return; }
#endif
    softmax_portable(s, rows, cols, lds, scale);
}

void ek_add_layernorm(float *x, const float *y, int rows, int dim,
                      const float *gamma, const float *beta, float eps) {
#if EK_X86
    if (ek_simd_active()) { add_layernorm_avx2(x, y, rows, dim, gamma, beta, eps); return; }
#endif
    for (int r = 0; r < rows; r++) {
        float *v = x + (size_t)r * dim;
        if (y) { const float *w = y + (size_t)r * dim; for (int j = 0; j < dim; j++) v[j] += w[j]; }
        float sum = 0;
        for (int j = 0; j < dim; j++) sum += v[j];
        const float mean = sum / dim;
        float var = 0;
        for (int j = 0; j < dim; j++) { float d = v[j] - mean; var += d * d; }
        const float inv = 1.0f / sqrtf(var / dim + eps);
        for (int j = 0; j < dim; j++) v[j] = (v[j] - mean) * inv * gamma[j] + beta[j];
    }
}
