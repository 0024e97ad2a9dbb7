package icons

import (
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppIconIsASquarePNG(t *testing.T) {
	img, err := AppIcon()
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 512, 512), img.Bounds())
	_, _, _, a := img.At(0, 0).RGBA()
	assert.Zero(t, a, "the corners are transparent")
	_, _, _, a = img.At(256, 256).RGBA()
	assert.NotZero(t, a)
}
