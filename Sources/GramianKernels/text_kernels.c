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

// --- Eight bytes at a time (SWAR) -------------------------------------------
// A field's digits are found and converted with a few word operations instead
// of a compare-and-branch per byte (whose exit mispredicts once a field). The
// conversion combines neighbouring digits pairwise, then pairs of pairs, then
// halves, as in D. Lemire's note on parsing eight digits at once
// (https://lemire.me/blog/2022/01/21/swar-explained-parsing-eight-digits/).

static inline uint64_t gt_load8(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;  // first byte in the low bits (x86-64, arm64: little-endian)
}

// Number of leading ASCII digits among the 8 bytes of v (0 to 8).
static inline int gt_digit_run(uint64_t v) {
  const uint64_t ones = 0x0101010101010101ULL;
  // A byte is a digit when its high nibble is 3 and adding 6 keeps it 3.
  uint64_t high = (v & (0xF0 * ones)) ^ (0x30 * ones);
  uint64_t low = ((v + 6 * ones) & (0xF0 * ones)) ^ (0x30 * ones);
  // A carry out of a byte >= 0xFA only disturbs later bytes; that byte is
  // already a non-digit, and only the first non-digit matters.
  uint64_t other = high | low;  // nonzero bytes: not digits
  uint64_t mark = (((other & (0x7F * ones)) + 0x7F * ones) | other) & (0x80 * ones);
  return mark ? __builtin_ctzll(mark) >> 3 : 8;
}

// The value of the first n (1 to 8) digits of v.
static inline uint32_t gt_digits_value(uint64_t v, int n) {
  const uint64_t ones = 0x0101010101010101ULL;
  int shift = 8 * (8 - n);
  // Move the digits to the high bytes; the bytes below become leading '0's.
  uint64_t x = shift ? (v << shift) | ((0x30 * ones) >> (64 - shift)) : v;
  x -= 0x30 * ones;                                       // bytes d0 (most significant) .. d7
  x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;        // 16-bit lanes: 10 d0 + d1, ...
  x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;      // 32-bit lanes: four digits each
  return (uint32_t)((x * 10000 + (x >> 32)) & 0xFFFFFFFFULL);
}

static const uint32_t gt_pow10u[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

long gk_delimited_fast(const uint8_t *base, long start, long end, const gk_delimited_shape *shape,
                       gk_event_out *out, long *stop) {
  const uint8_t *roles = shape->roles;
  const long needed = shape->needed;
  const uint8_t sep = shape->sep;
  const int swar = !shape->scalar_only;
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
        if (swar && q + 9 <= end) {
          uint64_t w = gt_load8(base + q);
          int n = gt_digit_run(w);
          if (n == 0 || (n > 1 && base[q] == '0')) { ok = 0; break; }
          if (n < 8) {  // 8 digits go the byte-at-a-time way below
            uint32_t v = gt_digits_value(w, n);
            if (roles[f] == GK_FIELD_USER) user = (int32_t)v; else item = (int32_t)v;
            q += n;
            break;
          }
        }
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
        if (swar && q + 17 <= end) {
          uint64_t w = gt_load8(base + q);
          int n = gt_digit_run(w);
          int fraction = 0;
          long r = q + n;
          uint32_t m = n && n < 8 ? gt_digits_value(w, n) : 0;
          if (n < 8 && base[r] == '.') {
            uint64_t x = gt_load8(base + r + 1);
            fraction = gt_digit_run(x);
            if (fraction && n + fraction <= 8) m = m * gt_pow10u[fraction] + gt_digits_value(x, fraction);
            r += 1 + fraction;
          }
          if (n < 8 && n + fraction <= 8) {  // longer ones go the byte-at-a-time way below
            if (n + fraction == 0 || m >= (1u << 24)) { ok = 0; break; }
            weight = m == 0 ? 0.0f : (float)m / gt_pow10[fraction];
            q = r;
            break;
          }
        }
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
        if (swar && q + 17 <= end) {
          uint64_t w = gt_load8(base + q);
          int n = gt_digit_run(w);
          if (n == 0) { ok = 0; break; }
          int64_t v = gt_digits_value(w, n);
          int n2 = 0;
          if (n == 8) {
            uint64_t x = gt_load8(base + q + 8);
            n2 = gt_digit_run(x);
            if (n2 && n2 < 8) v = v * gt_pow10u[n2] + gt_digits_value(x, n2);
          }
          if (n2 < 8) {  // 16 digits or more go the byte-at-a-time way below
            stamp = v;
            q += n + n2;
            break;
          }
        }
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
