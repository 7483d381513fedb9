// Text kernels of the interaction readers: the common shape of a delimited
// line (decimal ids, a plain decimal weight, an integer timestamp) parsed in
// one pass over its bytes. Scalar C: parsing digits is sequential, so there
// is no SIMD build to dispatch to; the gain over the general reader is one
// pass instead of four (line end, field split, number parse, append).
#ifndef GRAMIAN_TEXT_KERNELS_H
#define GRAMIAN_TEXT_KERNELS_H
#include <stdint.h>

/// Role of a field of a delimited line in gk_delimited_fast.
enum {
  GK_FIELD_OTHER = 0,
  GK_FIELD_USER = 1,
  GK_FIELD_ITEM = 2,
  GK_FIELD_WEIGHT = 3,
  GK_FIELD_TIMESTAMP = 4
};

/// What a line looks like: `needed` fields separated by `sep`, field f having
/// role roles[f] (each of user and item exactly once, weight and timestamp at
/// most once). Fields past `needed` are ignored, as the general reader does.
typedef struct {
  const uint8_t *roles;
  long needed;
  uint8_t sep;
  /// Store weight 1 for every event (the weight is still parsed and checked).
  uint8_t weight_one;
  /// Drop events whose weight is below min_rating (counted in below_min).
  uint8_t has_min_rating;
  float min_rating;
} gk_delimited_shape;

/// Where gk_delimited_fast writes events: index `count` onwards, at most
/// `capacity` in all; timestamps is NULL when the shape has no timestamp.
typedef struct {
  int32_t *users;
  int32_t *items;
  float *weights;
  int64_t *timestamps;
  long count;
  long capacity;
  long below_min;
} gk_event_out;

/// Parses the lines of base[start..end) from `start` (a line start) while each
/// has the fast shape, and returns how many it took; *stop is the start of the
/// first line it did not take (or end). A line has the fast shape when it is
/// not blank and, split on sep (no field before the last needed one starts
/// with a double quote):
/// - user and item are canonical decimals below 2^24 (1 to 8 digits, no
///   leading zero): the value is written as the raw id;
/// - the weight is `digits[.digits]` (at least one digit, at most 18 in all and
///   10 after the point, value of its digits below 2^24), so that
///   float(digits) / 10^fraction is the correctly rounded value (Clinger's
///   fast path, as ByteNumbers.parseFloat);
/// - the timestamp is 1 to 18 digits;
/// - the line ends in LF, CR LF, or the end of the range.
/// Every other line (a sign, an exponent, a quote, a string id, too few
/// fields, a bad number) is left to the general reader, which gives the same
/// events for the lines taken here and names the error for the others.
long gk_delimited_fast(const uint8_t *base, long start, long end, const gk_delimited_shape *shape,
                       gk_event_out *out, long *stop);
/// Number of bytes equal to `byte` in p[0..n) (vectorised by the compiler).
long gk_count_byte(const uint8_t *p, long n, uint8_t byte);
#endif
