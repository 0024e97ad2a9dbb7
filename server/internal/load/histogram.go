package load

import (
	"math"
	"math/bits"
)

// Histogram counts durations in logarithmic buckets: every power of two is
// split into 32 linear sub-buckets, so a reported percentile is within about
// 3% of the true value while the whole histogram stays a fixed 9 KiB however
// many samples it holds. Values are nanoseconds; the exact minimum and
// maximum are kept beside the buckets.
//
// The zero value is an empty histogram ready to use. A Histogram is not safe
// for concurrent use: each receiving client keeps its own and they are merged
// at the end.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    float64
	min    int64
	max    int64
}

const (
	histSubBits = 5
	histSub     = 1 << histSubBits
	// histMaxExp bounds the range at 2^40 ns (about 18 minutes); longer
	// values land in the last bucket, and the exact maximum is still kept.
	histMaxExp  = 40
	histBuckets = (histMaxExp - histSubBits + 2) * histSub
)

// histIndex returns the bucket of v (v >= 0).
func histIndex(v int64) int {
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(uint64(v)) - 1 // position of the leading one, >= histSubBits
	if e > histMaxExp {
		return histBuckets - 1
	}
	shift := e - histSubBits
	sub := int(uint64(v)>>shift) - histSub
	return (e-histSubBits+1)*histSub + sub
}

// histUpper returns the largest value that falls in bucket i.
func histUpper(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	e := i/histSub - 1 + histSubBits
	sub := i % histSub
	shift := e - histSubBits
	return (int64(histSub+sub+1) << shift) - 1
}

// Record adds one value; negative values count as zero.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
	h.counts[histIndex(v)]++
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Min returns the smallest recorded value, or 0 when there is none.
func (h *Histogram) Min() int64 { return h.min }

// Max returns the largest recorded value, or 0 when there is none.
func (h *Histogram) Max() int64 { return h.max }

// Mean returns the average of the recorded values, or 0 when there is none.
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// Percentile returns the value below or at which p percent of the recorded
// values lie (0 < p <= 100), as the upper edge of its bucket clamped to the
// recorded range; 0 when nothing was recorded.
func (h *Histogram) Percentile(p float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(max(histUpper(i), h.min), h.max)
		}
	}
	return h.max
}
