package load

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHistogramBucketsCoverEveryValue(t *testing.T) {
	// Every value lies in a bucket whose upper edge is at least the value
	// and at most about 1/32 above it.
	values := []int64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 1 << 20, 1<<20 + 1, 123456789, 1<<40 - 1}
	for _, v := range values {
		i := histIndex(v)
		require.Less(t, i, histBuckets, "value %d", v)
		up := histUpper(i)
		assert.GreaterOrEqual(t, up, v, "value %d bucket %d", v, i)
		assert.LessOrEqual(t, float64(up-v), float64(v)/32+1, "value %d bucket %d upper %d", v, i, up)
		if i > 0 {
			assert.Less(t, histUpper(i-1), v, "value %d belongs below bucket %d", v, i)
		}
	}
	assert.Equal(t, histBuckets-1, histIndex(1<<50), "values beyond the range land in the last bucket")
}

func TestHistogramPercentiles(t *testing.T) {
	var h Histogram
	assert.Zero(t, h.Percentile(50), "empty histogram")

	rng := rand.New(rand.NewPCG(1, 2))
	samples := make([]int64, 10000)
	for i := range samples {
		samples[i] = 1000 + rng.Int64N(10_000_000)
		h.Record(samples[i])
	}
	slices.Sort(samples)
	for _, p := range []float64{50, 90, 99} {
		exact := samples[int(p/100*float64(len(samples)))-1]
		got := h.Percentile(p)
		assert.InDelta(t, exact, got, float64(exact)/16, "p%v", p)
	}
	assert.Equal(t, samples[0], h.Min())
	assert.Equal(t, samples[len(samples)-1], h.Max())
	assert.Equal(t, h.Max(), h.Percentile(100))
	assert.EqualValues(t, len(samples), h.Count())
	assert.LessOrEqual(t, h.Percentile(50), h.Percentile(99))
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for v := int64(1); v <= 1000; v++ {
		if v%2 == 0 {
			a.Record(v * 1000)
		} else {
			b.Record(v * 1000)
		}
		all.Record(v * 1000)
	}
	var merged Histogram
	merged.Merge(&a)
	merged.Merge(&b)
	merged.Merge(nil)
	assert.Equal(t, all, merged)
	assert.InDelta(t, 500_500, merged.Mean(), 1)
}

func TestHistogramNegativeIsZero(t *testing.T) {
	var h Histogram
	h.Record(-5)
	assert.Zero(t, h.Max())
	assert.Zero(t, h.Percentile(50))
	assert.EqualValues(t, 1, h.Count())
}
