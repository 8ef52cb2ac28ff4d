#include "solver/line_operator.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mesosim {

LineOperator LineOperator::uniform(int n, double alpha, double face, bool start_sink, bool end_sink,
                                   bool periodic) {
  LineOperator op;
  op.n = n;
  op.periodic = periodic;
  op.alpha.assign(n, alpha);
  op.west.assign(n, face);
  op.east.assign(n, face);
  if (!periodic) {
    op.west[0] = start_sink ? 2.0 * face : 0.0;
    op.east[n - 1] = end_sink ? 2.0 * face : 0.0;
  }
  return op;
}

void LineFactor::factor(const LineOperator& op, double theta) {
  n_ = op.n;
  periodic_ = op.periodic && n_ >= 3;
  lower_.resize(n_);
  cp_.resize(n_);
  inv_.resize(n_);
  std::vector<double>& diag = inv_;  // reuse storage: diag first, then 1 / pivot
  for (int i = 0; i < n_; ++i) {
    diag[i] = op.alpha[i] + theta * (op.west[i] + op.east[i]);
    lower_[i] = -theta * op.west[i];
    cp_[i] = -theta * op.east[i];  // upper, becomes c' below
  }
  double corner_top = 0.0, corner_bottom = 0.0, gamma = 0.0;
  if (periodic_) {
    corner_top = lower_[0];         // A[0][n-1]
    corner_bottom = cp_[n_ - 1];    // A[n-1][0]
    gamma = -diag[0];
    diag[0] -= gamma;
    diag[n_ - 1] -= corner_bottom * corner_top / gamma;
    lower_[0] = 0.0;
    cp_[n_ - 1] = 0.0;
  } else if (n_ > 0) {
    lower_[0] = 0.0;
    cp_[n_ - 1] = 0.0;
  }
  for (int i = 0; i < n_; ++i) {
    const double pivot = diag[i] - (i > 0 ? lower_[i] * cp_[i - 1] : 0.0);
    inv_[i] = 1.0 / pivot;
    cp_[i] *= inv_[i];
  }
  if (!periodic_) {
    // Stage 2 right-hand side alpha (u + r (U2 - u)), r = w / d; UL pivots from the bottom:
    // q_{n-1} = diag_{n-1}, q_i = diag_i - upper_i lower_{i+1} / q_{i+1}.
    const double ratio = tr_bdf2_w / tr_bdf2_d;
    fused_.resize(n_);
    double q_next = 0.0;
    for (int i = n_ - 1; i >= 0; --i) {
      const double cw = theta * op.west[i], ce = theta * op.east[i];
      const double diagonal = op.alpha[i] + cw + ce;
      const double upper = i + 1 < n_ ? -ce : 0.0, lower = i > 0 ? -cw : 0.0;
      const double q = i + 1 < n_ ? diagonal - upper * (-theta * op.west[i + 1]) / q_next : diagonal;
      FusedRow& row = fused_[i];
      row.fwd_self = (op.alpha[i] - cw - ce) * inv_[i];
      row.fwd_west = i > 0 ? cw * inv_[i] : 0.0;
      row.fwd_east = i + 1 < n_ ? ce * inv_[i] : 0.0;
      row.upper = cp_[i];
      row.bwd_u = op.alpha[i] * (1.0 - ratio) / q;
      row.bwd_u2 = op.alpha[i] * ratio / q;
      row.bwd_next = upper / q;
      row.solve_prev = lower / q;
      q_next = q;
    }
  } else {
    z_.assign(n_, 0.0);
    z_[0] = gamma;
    z_[n_ - 1] = corner_bottom;
    periodic_ = false;  // solve the correction system without the correction itself
    solve(z_.data(), 1, 1);
    periodic_ = true;
    v_last_ = corner_top / gamma;
    denominator_ = 1.0 + z_[0] + v_last_ * z_[n_ - 1];
  }
}

void LineFactor::solve(double* x, std::ptrdiff_t stride, int width) const {
  // Forward: y_n = (r_n - l_n y_{n-1}) / pivot_n; backward: x_n = y_n - c'_n x_{n+1}.
  for (int w = 0; w < width; ++w) x[w] *= inv_[0];
  for (int i = 1; i < n_; ++i) {
    double* row = x + i * stride;
    const double* prev = row - stride;
    const double l = lower_[i], inv = inv_[i];
#pragma omp simd
    for (int w = 0; w < width; ++w) row[w] = (row[w] - l * prev[w]) * inv;
  }
  back_substitute(x, stride, width);
}

namespace {

/// Boundary sums of one chunk: the first and last rows of each stage, summed over the lines.
struct ChunkSums {
  double first[3] = {0, 0, 0}, last[3] = {0, 0, 0};
};

/// Memory the hardware prefetchers miss, to be prefetched (into L2) while a chunk is stepped:
/// n_lines cache lines, row_lines per row, rows row_stride doubles apart.
struct Ahead {
  const double* base = nullptr;
  std::ptrdiff_t row_stride = 0;
  int row_lines = 1, n_lines = 0;
  MESOSIM_ALWAYS_INLINE void line(int l) const {
    constexpr int line_doubles = 64 / int(sizeof(double));
    if (l < n_lines) __builtin_prefetch(base + l / row_lines * row_stride + l % row_lines * line_doubles, 0, 2);
  }
};

/// Vectors of doubles of a given size in bytes (GCC/Clang vector extension).
template <int Bytes>
struct VectorOf;
template <>
struct VectorOf<16> {
  typedef double Aligned __attribute__((vector_size(16)));
  typedef double Unaligned __attribute__((vector_size(16), aligned(sizeof(double)), may_alias));
};
template <>
struct VectorOf<32> {
  typedef double Aligned __attribute__((vector_size(32)));
  typedef double Unaligned __attribute__((vector_size(32), aligned(sizeof(double)), may_alias));
};
template <>
struct VectorOf<64> {
  typedef double Aligned __attribute__((vector_size(64)));
  typedef double Unaligned __attribute__((vector_size(64), aligned(sizeof(double)), may_alias));
  typedef long long Mask __attribute__((vector_size(64)));  // element indices for __builtin_shuffle
};

/// The three passes of the open-line TR-BDF2 step (LineFactor::FusedRow) for Lines lines,
/// held in vectors of VectorBytes (one register each) so that the recurrences are carried in
/// registers from row to row; Lines / lanes independent chains share the FMA latency.
/// y is packed scratch of n Lines values; u is read twice and written once.
/// The first two passes prefetch one line of `ahead` per row (2 n lines at most).
template <int VectorBytes, int Lines = line_chunk>
MESOSIM_ALWAYS_INLINE void tr_bdf2_full_chunk(double* u, std::ptrdiff_t stride, int n,
                                              const LineFactor::FusedRow* f, double* y,
                                              ChunkSums& sums, const Ahead& ahead) {
  using Vector = typename VectorOf<VectorBytes>::Aligned;
  using Unaligned = typename VectorOf<VectorBytes>::Unaligned;
  constexpr int lanes = VectorBytes / int(sizeof(double)), n_vectors = Lines / lanes;
  // Vector v of a row (references, so that no vector crosses a call boundary by value).
  auto at = [](double* row, int v) -> Unaligned& { return *reinterpret_cast<Unaligned*>(row + v * lanes); };
  // Unaligned: rows of u start at any double (a reference of the aligned type there is UB; UBSan).
  auto add = [](double& sum, const Unaligned& value) {
    for (int w = 0; w < lanes; ++w) sum += value[w];
  };
  double* u_last = u + (n - 1) * stride;
  for (int v = 0; v < n_vectors; ++v) {
    add(sums.first[0], at(u, v));
    add(sums.last[0], at(u_last, v));
  }
  // Forward: stage 1 right-hand side and elimination.
  Vector u_prev[n_vectors] = {}, u_row[n_vectors], carry[n_vectors] = {};
  for (int v = 0; v < n_vectors; ++v) u_row[v] = at(u, v);
  for (int i = 0; i < n; ++i) {
    const LineFactor::FusedRow c = f[i];  // a copy: the stores below may alias f
    Vector u_next[n_vectors] = {};
    if (i + 1 < n)
      for (int v = 0; v < n_vectors; ++v) u_next[v] = at(u + (i + 1) * stride, v);
    ahead.line(i);
    for (int v = 0; v < n_vectors; ++v) {
      carry[v] = c.fwd_west * carry[v] + (c.fwd_self * u_row[v] + c.fwd_west * u_prev[v] + c.fwd_east * u_next[v]);
      at(y + i * Lines, v) = carry[v];
      u_prev[v] = u_row[v];
      u_row[v] = u_next[v];
    }
  }
  // Backward: stage 1 back substitution (U2) and stage 2 elimination from the bottom (z over y).
  Vector u2[n_vectors] = {}, z[n_vectors] = {};
  for (int i = n - 1; i >= 0; --i) {
    const LineFactor::FusedRow c = f[i];
    ahead.line(2 * n - 1 - i);
    for (int v = 0; v < n_vectors; ++v) {
      u2[v] = at(y + i * Lines, v) - c.upper * u2[v];
      z[v] = (c.bwd_u * at(u + i * stride, v) + c.bwd_u2 * u2[v]) - c.bwd_next * z[v];
      at(y + i * Lines, v) = z[v];
    }
    if (i == n - 1)
      for (int v = 0; v < n_vectors; ++v) add(sums.last[1], u2[v]);
  }
  for (int v = 0; v < n_vectors; ++v) add(sums.first[1], u2[v]);
  // Forward: stage 2 substitution into u.
  Vector x[n_vectors] = {};
  for (int i = 0; i < n; ++i) {
    const double solve_prev = f[i].solve_prev;
    for (int v = 0; v < n_vectors; ++v) {
      x[v] = at(y + i * Lines, v) - solve_prev * x[v];
      at(u + i * stride, v) = x[v];
    }
  }
  for (int v = 0; v < n_vectors; ++v) {
    add(sums.first[2], at(u, v));
    add(sums.last[2], x[v]);
  }
}

/// Every whole chunk of line_chunk lines of a batch, with vectors of VectorBytes; returns the
/// number of lines done. With 8-double vectors chunks are 2 line_chunk lines wide where the batch
/// allows: four independent chains per pass instead of two, and rows of four cache lines, which
/// also spread a z sweep (rows a multiple of 4 KiB apart, sharing cache sets) over more sets.
/// (bench: a z pass over 256^3 on 2 threads 13.8 -> 10.1 ms, a y pass 13.8 -> 9.6 ms.)
template <int VectorBytes>
MESOSIM_ALWAYS_INLINE int tr_bdf2_full_chunks(double* u, std::ptrdiff_t stride, int width, int n,
                                              const LineFactor::FusedRow* f, double* scratch,
                                              ChunkSums& sums) {
  // The next chunk's rows, one per page in a z sweep and too far apart for the hardware prefetchers.
  constexpr int row_lines = line_chunk * int(sizeof(double)) / 64;
  int w0 = 0;
  if constexpr (VectorBytes == 64) {
    constexpr int wide = 2 * line_chunk;  // scratch: n x width >= n x wide values
    for (; w0 + wide <= width; w0 += wide)
      tr_bdf2_full_chunk<VectorBytes, wide>(u + w0, stride, n, f, scratch, sums,
                                            Ahead{u + w0 + wide, stride, 2 * row_lines, 2 * row_lines * n});
  }
  for (; w0 + line_chunk <= width; w0 += line_chunk)
    tr_bdf2_full_chunk<VectorBytes>(u + w0, stride, n, f, scratch, sums,
                                    Ahead{u + w0 + line_chunk, stride, row_lines, row_lines * n});
  return w0;
}

/// Transposes the 8 x 8 block of doubles held in r[0..7] (8-double vectors) in registers: three
/// rounds of two-vector shuffles (pairs of elements, pairs of pairs, halves).
template <int VectorBytes>
MESOSIM_ALWAYS_INLINE void transpose8(typename VectorOf<VectorBytes>::Aligned* r) {
  using Vector = typename VectorOf<VectorBytes>::Aligned;
  using Mask = typename VectorOf<VectorBytes>::Mask;
  const Mask even = {0, 8, 2, 10, 4, 12, 6, 14}, odd = {1, 9, 3, 11, 5, 13, 7, 15};
  const Mask low_pairs = {0, 1, 8, 9, 4, 5, 12, 13}, high_pairs = {2, 3, 10, 11, 6, 7, 14, 15};
  const Mask low_half = {0, 1, 2, 3, 8, 9, 10, 11}, high_half = {4, 5, 6, 7, 12, 13, 14, 15};
  Vector t[8], q[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = __builtin_shuffle(r[k], r[k + 1], even);
    t[k + 1] = __builtin_shuffle(r[k], r[k + 1], odd);
  }
  for (int k = 0; k < 8; k += 4)
    for (int m = 0; m < 2; ++m) {
      q[k + m] = __builtin_shuffle(t[k + m], t[k + m + 2], low_pairs);
      q[k + m + 2] = __builtin_shuffle(t[k + m], t[k + m + 2], high_pairs);
    }
  for (int m = 0; m < 4; ++m) {
    r[m] = __builtin_shuffle(q[m], q[m + 4], low_half);
    r[m + 4] = __builtin_shuffle(q[m], q[m + 4], high_half);
  }
}

/// tr_bdf2_full_chunk on line_chunk contiguous lines in place (line w at lines[w * line_stride + i],
/// n % 8 == 0, 8-double vectors): each pass transposes 8 x 8 blocks in registers as it goes, so the
/// lines are read twice and written once and only y (n line_chunk values) is scratch. The same
/// operations in the same order as tr_bdf2_full_chunk on the transposed lines.
template <int VectorBytes>
MESOSIM_ALWAYS_INLINE void tr_bdf2_row_chunk(double* lines, std::ptrdiff_t line_stride, int n,
                                             const LineFactor::FusedRow* f, double* y, ChunkSums& sums,
                                             const Ahead& ahead) {
  using Vector = typename VectorOf<VectorBytes>::Aligned;
  using Unaligned = typename VectorOf<VectorBytes>::Unaligned;
  constexpr int lanes = 8, n_vectors = line_chunk / lanes;
  static_assert(VectorBytes == lanes * int(sizeof(double)));
  auto at = [](double* row, int v) -> Unaligned& { return *reinterpret_cast<Unaligned*>(row + v * lanes); };
  // Unaligned: rows of u start at any double (a reference of the aligned type there is UB; UBSan).
  auto add = [](double& sum, const Unaligned& value) {
    for (int w = 0; w < lanes; ++w) sum += value[w];
  };
  // block[v][m]: cell first + m of lines v * 8 .. v * 8 + 7.
  auto load_block = [&](int first, Vector (&block)[n_vectors][lanes]) {
    for (int v = 0; v < n_vectors; ++v) {
      for (int k = 0; k < lanes; ++k) block[v][k] = at(lines + (v * lanes + k) * line_stride + first, 0);
      transpose8<VectorBytes>(block[v]);
    }
  };
  const int n_blocks = n / lanes;
  Vector block[n_vectors][lanes];
  // Forward: stage 1 right-hand side and elimination, row i finished when row i + 1 is loaded.
  Vector u_prev[n_vectors] = {}, u_row[n_vectors] = {}, carry[n_vectors] = {};
  auto forward_row = [&](int i, const Vector* u_next) {
    const LineFactor::FusedRow c = f[i];
    ahead.line(i);
    for (int v = 0; v < n_vectors; ++v) {
      carry[v] = c.fwd_west * carry[v] + (c.fwd_self * u_row[v] + c.fwd_west * u_prev[v] + c.fwd_east * u_next[v]);
      at(y + i * line_chunk, v) = carry[v];
      u_prev[v] = u_row[v];
      u_row[v] = u_next[v];
    }
  };
  for (int b = 0; b < n_blocks; ++b) {
    load_block(b * lanes, block);
    if (b == 0)
      for (int v = 0; v < n_vectors; ++v) add(sums.first[0], block[v][0]);
    if (b == n_blocks - 1)
      for (int v = 0; v < n_vectors; ++v) add(sums.last[0], block[v][lanes - 1]);
    for (int m = 0; m < lanes; ++m) {
      const Vector u_next[n_vectors] = {block[0][m], block[1][m]};
      if (b == 0 && m == 0) {
        for (int v = 0; v < n_vectors; ++v) u_row[v] = u_next[v];
      } else {
        forward_row(b * lanes + m - 1, u_next);
      }
    }
  }
  const Vector zero[n_vectors] = {};
  forward_row(n - 1, zero);
  // Backward: stage 1 back substitution (U2) and stage 2 elimination from the bottom (z over y).
  Vector u2[n_vectors] = {}, z[n_vectors] = {};
  for (int b = n_blocks - 1; b >= 0; --b) {
    load_block(b * lanes, block);
    for (int m = lanes - 1; m >= 0; --m) {
      const int i = b * lanes + m;
      const LineFactor::FusedRow c = f[i];
      ahead.line(2 * n - 1 - i);
      for (int v = 0; v < n_vectors; ++v) {
        u2[v] = at(y + i * line_chunk, v) - c.upper * u2[v];
        z[v] = (c.bwd_u * block[v][m] + c.bwd_u2 * u2[v]) - c.bwd_next * z[v];
        at(y + i * line_chunk, v) = z[v];
      }
      if (i == n - 1)
        for (int v = 0; v < n_vectors; ++v) add(sums.last[1], u2[v]);
    }
  }
  for (int v = 0; v < n_vectors; ++v) add(sums.first[1], u2[v]);
  // Forward: stage 2 substitution, transposed back into the lines 8 cells at a time.
  Vector x[n_vectors] = {};
  for (int b = 0; b < n_blocks; ++b) {
    for (int m = 0; m < lanes; ++m) {
      const int i = b * lanes + m;
      const double solve_prev = f[i].solve_prev;
      for (int v = 0; v < n_vectors; ++v) block[v][m] = x[v] = at(y + i * line_chunk, v) - solve_prev * x[v];
    }
    if (b == 0)
      for (int v = 0; v < n_vectors; ++v) add(sums.first[2], block[v][0]);
    for (int v = 0; v < n_vectors; ++v) {
      transpose8<VectorBytes>(block[v]);
      for (int k = 0; k < lanes; ++k) at(lines + (v * lanes + k) * line_stride + b * lanes, 0) = block[v][k];
    }
  }
  for (int v = 0; v < n_vectors; ++v) add(sums.last[2], x[v]);
}

/// Copies line_chunk lines of n cells, line w at lines[w * line_stride + i], into the chunk layout
/// packed[i * line_chunk + w] (Back: the reverse). 8 x 8 blocks go through registers when the
/// vectors hold 8 doubles; other widths and the last n % 8 cells copy element by element.
template <int VectorBytes, bool Back>
MESOSIM_ALWAYS_INLINE void transpose_chunk(double* lines, std::ptrdiff_t line_stride, int n, double* packed) {
  constexpr int lanes = VectorBytes / int(sizeof(double));
  int done = 0;
  if constexpr (lanes == 8) {
    using Vector = typename VectorOf<VectorBytes>::Aligned;
    using Unaligned = typename VectorOf<VectorBytes>::Unaligned;
    for (; done + 8 <= n; done += 8)
      for (int half = 0; half < line_chunk; half += 8) {
        Vector r[8];
        for (int k = 0; k < 8; ++k)
          r[k] = Back ? *reinterpret_cast<const Unaligned*>(packed + (done + k) * line_chunk + half)
                      : *reinterpret_cast<const Unaligned*>(lines + (half + k) * line_stride + done);
        transpose8<VectorBytes>(r);
        for (int k = 0; k < 8; ++k) {
          if (Back) *reinterpret_cast<Unaligned*>(lines + (half + k) * line_stride + done) = r[k];
          else *reinterpret_cast<Unaligned*>(packed + (done + k) * line_chunk + half) = r[k];
        }
      }
  }
  for (int w = 0; w < line_chunk; ++w)
    for (int i = done; i < n; ++i) {
      if (Back) lines[w * line_stride + i] = packed[i * line_chunk + w];
      else packed[i * line_chunk + w] = lines[w * line_stride + i];
    }
}

/// Every whole chunk of line_chunk contiguous lines (line w at u[w * line_stride + i]): transposed
/// into `packed` (n line_chunk values), stepped there, transposed back. Returns the lines done.
template <int VectorBytes>
MESOSIM_ALWAYS_INLINE int tr_bdf2_row_chunks(double* u, std::ptrdiff_t line_stride, int n_lines, int n,
                                             const LineFactor::FusedRow* f, double* packed, double* y,
                                             ChunkSums& sums, std::ptrdiff_t prefetch_offset) {
  // The same lines at u + prefetch_offset (the next plane): line_chunk rows of n doubles.
  const int row_lines = (n * int(sizeof(double)) + 63) / 64;
  int first = 0;
  for (; first + line_chunk <= n_lines; first += line_chunk) {
    double* lines = u + first * line_stride;
    const Ahead ahead = prefetch_offset == 0 ? Ahead{}
                                             : Ahead{lines + prefetch_offset, line_stride, row_lines,
                                                     line_chunk * row_lines};
    if constexpr (VectorBytes == 64) {
      if (n % 8 == 0) {
        tr_bdf2_row_chunk<VectorBytes>(lines, line_stride, n, f, y, sums, ahead);
        continue;
      }
    }
    transpose_chunk<VectorBytes, false>(lines, line_stride, n, packed);
    tr_bdf2_full_chunk<VectorBytes>(packed, line_chunk, n, f, y, sums, ahead);
    transpose_chunk<VectorBytes, true>(lines, line_stride, n, packed);
  }
  return first;
}

// One version per instruction set, picked at load time like MESOSIM_HOT_KERNEL's clones, but each
// with its own vector width (a vector wider than the registers would live on the stack). A build
// for a given CPU (MESOSIM_NATIVE) has one version, with that CPU's widest vectors.
#define MESOSIM_CHUNK_KERNELS(ATTRIBUTE, BYTES)                                                       \
  ATTRIBUTE int full_chunks(double* u, std::ptrdiff_t stride, int width, int n,                       \
                            const LineFactor::FusedRow* f, double* scratch, ChunkSums& sums) {       \
    return tr_bdf2_full_chunks<BYTES>(u, stride, width, n, f, scratch, sums);                         \
  }                                                                                                   \
  ATTRIBUTE int row_chunks(double* u, std::ptrdiff_t line_stride, int n_lines, int n,                 \
                           const LineFactor::FusedRow* f, double* packed, double* y, ChunkSums& sums, \
                           std::ptrdiff_t prefetch_offset) {                                          \
    return tr_bdf2_row_chunks<BYTES>(u, line_stride, n_lines, n, f, packed, y, sums, prefetch_offset); \
  }
#if defined(MESOSIM_ISA_VERSIONS) && !defined(__AVX2__)
MESOSIM_CHUNK_KERNELS(MESOSIM_FOR_ISA("default"), 16)
MESOSIM_CHUNK_KERNELS(MESOSIM_FOR_ISA("arch=x86-64-v3"), 32)
MESOSIM_CHUNK_KERNELS(MESOSIM_FOR_ISA("arch=x86-64-v4"), 64)
#elif defined(__AVX512F__)
MESOSIM_CHUNK_KERNELS(, 64)
#elif defined(__AVX2__)
MESOSIM_CHUNK_KERNELS(, 32)
#else
MESOSIM_CHUNK_KERNELS(, 16)
#endif
#undef MESOSIM_CHUNK_KERNELS

/// The same three passes for the last `width` < line_chunk lines of a batch (and batches narrower
/// than a chunk), as plain loops over the lines. y is scratch of n x width values.
MESOSIM_ALWAYS_INLINE void tr_bdf2_narrow_chunk(double* u, std::ptrdiff_t stride, int width, int n,
                                                const LineFactor::FusedRow* f, double* y, ChunkSums& sums) {
  const double* u_last = u + (n - 1) * stride;
  for (int w = 0; w < width; ++w) {
    sums.first[0] += u[w];
    sums.last[0] += u_last[w];
  }
  for (int i = 0; i < n; ++i) {
    const double* row = u + i * stride;
    const double* prev = i > 0 ? row - stride : row;  // times fwd_west = 0 on row 0
    const double* next = i + 1 < n ? row + stride : row;  // times fwd_east = 0 on row n - 1
    double* out = y + i * width;
    const double* out_prev = i > 0 ? out - width : out;
    const LineFactor::FusedRow c = f[i];
    for (int w = 0; w < width; ++w)
      out[w] = (i > 0 ? c.fwd_west * out_prev[w] : 0.0) + (c.fwd_self * row[w] + c.fwd_west * prev[w] + c.fwd_east * next[w]);
  }
  // Backward: U2 (kept in u2) and stage 2 elimination; z overwrites y.
  double u2[line_chunk] = {}, z[line_chunk] = {};
  for (int i = n - 1; i >= 0; --i) {
    const double* row = u + i * stride;
    double* out = y + i * width;
    const LineFactor::FusedRow c = f[i];
    for (int w = 0; w < width; ++w) {
      u2[w] = out[w] - c.upper * u2[w];
      z[w] = (c.bwd_u * row[w] + c.bwd_u2 * u2[w]) - c.bwd_next * z[w];
      out[w] = z[w];
    }
    if (i == n - 1)
      for (int w = 0; w < width; ++w) sums.last[1] += u2[w];
  }
  for (int w = 0; w < width; ++w) sums.first[1] += u2[w];
  double x[line_chunk] = {};
  for (int i = 0; i < n; ++i) {
    double* row = u + i * stride;
    const double* out = y + i * width;
    const double solve_prev = f[i].solve_prev;
    for (int w = 0; w < width; ++w) row[w] = x[w] = out[w] - solve_prev * x[w];
  }
  for (int w = 0; w < width; ++w) {
    sums.first[2] += u[w];
    sums.last[2] += x[w];
  }
}

/// The periodic TR-BDF2 step: Thomas forward elimination fused with each right-hand side, then
/// back substitution with the Sherman-Morrison correction (four passes over the batch).
MESOSIM_ALWAYS_INLINE void tr_bdf2_periodic(double* u, std::ptrdiff_t stride, int width, const LineOperator& op,
                      const LineFactor& factor, double tau, double* stage) {
  const int n = op.n;
  const double theta = tr_bdf2_d * tau;
  const double* last = u + (n - 1) * stride;
  // Stage 1 (trapezoidal half): (alpha - theta L) U2 = alpha u + theta L u. The right-hand side
  // of row i is formed and eliminated in the same pass (forward sweep of the Thomas algorithm).
  for (int i = 0; i < n; ++i) {
    const double* row = u + i * stride;
    const double* prev = i > 0 ? row - stride : last;
    const double* next = i + 1 < n ? row + stride : u;
    double* out = stage + std::ptrdiff_t(i) * width;
    const double* out_prev = out - width;  // only read when i > 0
    const double a = op.alpha[i], cw = theta * op.west[i], ce = theta * op.east[i];
    const double l = i > 0 ? factor.lower(i) : 0.0, inv = factor.inverse_pivot(i);
    if (i > 0) {
#pragma omp simd
      for (int w = 0; w < width; ++w) {
        const double rhs = a * row[w] + cw * (prev[w] - row[w]) + ce * (next[w] - row[w]);
        out[w] = (rhs - l * out_prev[w]) * inv;
      }
    } else {
      for (int w = 0; w < width; ++w) {
        const double rhs = a * row[w] + cw * (prev[w] - row[w]) + ce * (next[w] - row[w]);
        out[w] = rhs * inv;
      }
    }
  }
  factor.back_substitute(stage, width, width);  // stage = U2, the value at t + gamma tau
  // Stage 2 (BDF2): (alpha - theta L) U3 = alpha (u + (w / d) (U2 - u)); formed and eliminated
  // in one pass over u (row i - 1 of u already holds its eliminated value).
  const double ratio = tr_bdf2_w / tr_bdf2_d;
  for (int i = 0; i < n; ++i) {
    double* row = u + i * stride;
    const double* row_prev = row - stride;  // only read when i > 0
    const double* u2 = stage + std::ptrdiff_t(i) * width;
    const double a = op.alpha[i];
    const double l = i > 0 ? factor.lower(i) : 0.0, inv = factor.inverse_pivot(i);
    if (i > 0) {
#pragma omp simd
      for (int w = 0; w < width; ++w) row[w] = (a * (row[w] + ratio * (u2[w] - row[w])) - l * row_prev[w]) * inv;
    } else {
#pragma omp simd
      for (int w = 0; w < width; ++w) row[w] = a * (row[w] + ratio * (u2[w] - row[w])) * inv;
    }
  }
  factor.back_substitute(u, stride, width);
}

/// Books the boundary outflow of one TR-BDF2 step: the stage fluxes west_0 u_0 and east_{n-1} u_{n-1}
/// weighted w, w, d over tau.
void add_outflow(const LineOperator& op, double tau, const ChunkSums& sums, LineOutflow& outflow) {
  const double west = op.west[0], east = op.east[op.n - 1];
  outflow.start += tau * (tr_bdf2_w * west * (sums.first[0] + sums.first[1]) + tr_bdf2_d * west * sums.first[2]);
  outflow.end += tau * (tr_bdf2_w * east * (sums.last[0] + sums.last[1]) + tr_bdf2_d * east * sums.last[2]);
}

}  // namespace

MESOSIM_HOT_KERNEL
void tr_bdf2_rows(double* u, std::ptrdiff_t line_stride, int n_lines, const LineOperator& op,
                  const LineFactor& factor, double tau, double* stage, LineOutflow& outflow,
                  std::ptrdiff_t prefetch_offset) {
  const int n = op.n;
  assert(n >= 1 && !op.periodic);
  double* packed = stage;  // n x chunk: element i of line w at i * chunk + w
  double* y = stage + std::ptrdiff_t(n) * line_chunk;
  ChunkSums sums;
  const int done = row_chunks(u, line_stride, n_lines, n, factor.fused(), packed, y, sums, prefetch_offset);
  for (int first = done; first < n_lines; first += line_chunk) {
    const int width = std::min(line_chunk, n_lines - first);
    double* lines = u + first * line_stride;
    for (int w = 0; w < width; ++w) {
      const double* line = lines + w * line_stride;
      for (int i = 0; i < n; ++i) packed[i * width + w] = line[i];
    }
    tr_bdf2_narrow_chunk(packed, width, width, n, factor.fused(), y, sums);
    for (int w = 0; w < width; ++w) {
      double* line = lines + w * line_stride;
      for (int i = 0; i < n; ++i) line[i] = packed[i * width + w];
    }
  }
  add_outflow(op, tau, sums, outflow);
}

MESOSIM_HOT_KERNEL
void tr_bdf2_lines(double* u, std::ptrdiff_t stride, int width, const LineOperator& op,
                   const LineFactor& factor, double tau, double* stage, LineOutflow& outflow) {
  const int n = op.n;
  assert(n >= 1);
  if (op.periodic) {
    tr_bdf2_periodic(u, stride, width, op, factor, tau, stage);
    return;  // no boundary, no outflow
  }
  // Whole chunks of line_chunk lines, then the rest; each chunk uses n x its width of stage.
  ChunkSums sums;
  const int done = full_chunks(u, stride, width, n, factor.fused(), stage, sums);
  if (done < width) tr_bdf2_narrow_chunk(u + done, stride, width - done, n, factor.fused(), stage, sums);
  add_outflow(op, tau, sums, outflow);
}

}  // namespace mesosim
