// The one-pass parser of common delimited lines (see GramianTextKernels.h).
// Every byte read is checked against `end`; any surprise returns the line to
// the general reader (InteractionData's DelimitedScan), which is the
// reference this kernel is tested against.
#include "GramianTextKernels.h"
#include <string.h>

// 10^0 ... 10^10 are exact in float.
static const float gt_pow10[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

// How a field ended: at the separator (more fields follow), at the line's end
// (next_line set to the start of the next line), or on a byte the fast shape
// does not allow.
enum { GT_SEP, GT_EOL, GT_BAD };

// Classifies the byte at q after a field; sets *next_line on GT_EOL.
static inline int gt_terminator(const uint8_t *base, long q, long end, uint8_t sep, long *next_line) {
  if (q >= end) {
    *next_line = end;
    return GT_EOL;
  }
  uint8_t c = base[q];
  if (c == sep) return GT_SEP;
  if (c == '\n') {
    *next_line = q + 1;
    return GT_EOL;
  }
  if (c == '\r') {
    if (q + 1 >= end) {
      *next_line = end;
      return GT_EOL;
    }
    if (base[q + 1] == '\n') {
      *next_line = q + 2;
      return GT_EOL;
    }
  }
  return GT_BAD;
}

long gk_delimited_fast(const uint8_t *base, long start, long end, const gk_delimited_shape *shape,
                       gk_event_out *out, long *stop) {
  const uint8_t *roles = shape->roles;
  const long needed = shape->needed;
  const uint8_t sep = shape->sep;
  long lines = 0;
  long pos = start;
  while (pos < end) {
    if (out->count >= out->capacity) break;
    long p = pos;
    long next_line = end;
    int32_t user = 0, item = 0;
    float weight = 1.0f;
    int64_t stamp = 0;
    int ok = 1;
    for (long f = 0; f < needed && ok; f++) {
      const int last = f == needed - 1;
      long q = p;
      int how;
      switch (roles[f]) {
      case GK_FIELD_USER:
      case GK_FIELD_ITEM: {
        // A canonical decimal id: 1-8 digits, no leading zero, below 2^24.
        if (q >= end) { ok = 0; break; }
        uint32_t d = (uint32_t)base[q] - '0';
        if (d > 9) { ok = 0; break; }
        uint32_t v = d;
        q++;
        if (d == 0) {
          if (q < end && (uint32_t)base[q] - '0' <= 9) { ok = 0; break; }
        } else {
          while (q < end && q - p < 8) {
            uint32_t e = (uint32_t)base[q] - '0';
            if (e > 9) break;
            v = v * 10 + e;
            q++;
          }
          if (q < end && (uint32_t)base[q] - '0' <= 9) { ok = 0; break; }  // 9+ digits
          if (v >= (1u << 24)) { ok = 0; break; }
        }
        if (roles[f] == GK_FIELD_USER) user = (int32_t)v; else item = (int32_t)v;
        break;
      }
      case GK_FIELD_WEIGHT: {
        // digits[.digits], at least one digit; no sign, no exponent.
        uint64_t m = 0;
        long digits = 0, fraction = 0;
        while (q < end && (uint32_t)base[q] - '0' <= 9 && digits < 19) {
          m = m * 10 + (base[q] - '0');
          digits++;
          q++;
        }
        if (q < end && base[q] == '.') {
          q++;
          while (q < end && (uint32_t)base[q] - '0' <= 9 && digits < 19) {
            m = m * 10 + (base[q] - '0');
            digits++;
            fraction++;
            q++;
          }
        }
        if (digits == 0 || digits > 18 || fraction > 10 || m >= (1u << 24)) { ok = 0; break; }
        weight = m == 0 ? 0.0f : (float)m / gt_pow10[fraction];
        break;
      }
      case GK_FIELD_TIMESTAMP: {
        int64_t v = 0;
        long digits = 0;
        while (q < end && (uint32_t)base[q] - '0' <= 9 && digits < 19) {
          v = v * 10 + (base[q] - '0');
          digits++;
          q++;
        }
        if (digits == 0 || digits > 18) { ok = 0; break; }
        stamp = v;
        break;
      }
      default: {
        // A field nobody reads: up to the separator or the line's end. A
        // quoted field may hold the separator; the general reader splits it.
        if (q < end && base[q] == '"') { ok = 0; break; }
        while (q < end && base[q] != sep && base[q] != '\n') q++;
        if (q < end && base[q] == sep) {
          how = GT_SEP;
        } else {
          how = GT_EOL;
          next_line = q < end ? q + 1 : end;
        }
        goto ended;
      }
      }
      if (!ok) break;
      how = gt_terminator(base, q, end, sep, &next_line);
    ended:
      if (how == GT_BAD || (how == GT_EOL && !last)) { ok = 0; break; }
      if (last) {
        if (how == GT_SEP) {
          // Fields past the needed ones are ignored: skip to the next line.
          const void *nl = memchr(base + q + 1, '\n', (size_t)(end - q - 1));
          next_line = nl ? (long)((const uint8_t *)nl - base) + 1 : end;
        }
      } else {
        p = q + 1;
      }
    }
    if (!ok) break;
    if (shape->has_min_rating && weight < shape->min_rating) {
      out->below_min++;
    } else {
      long n = out->count;
      out->users[n] = user;
      out->items[n] = item;
      out->weights[n] = shape->weight_one ? 1.0f : weight;
      if (out->timestamps) out->timestamps[n] = stamp;
      out->count = n + 1;
    }
    lines++;
    pos = next_line;
  }
  *stop = pos;
  return lines;
}

long gk_count_byte(const uint8_t *p, long n, uint8_t byte) {
  // Blocks of 255 bytes keep the per-lane counts in 8 bits, so the compiler
  // vectorises the inner loop (16 or 32 bytes a step) without widening.
  long total = 0;
  while (n > 0) {
    long m = n < 255 ? n : 255;
    uint8_t c = 0;
    for (long i = 0; i < m; i++) c += p[i] == byte;
    total += c;
    p += m;
    n -= m;
  }
  return total;
}
