// Package fonts is the typefaces Natter draws text with. The Go fonts cover
// Latin, Greek and Cyrillic only, and a chat carries every script, so the
// app ships fallback faces that the shaper uses glyph by glyph where the Go
// fonts have none: Noto Color Emoji, Noto Sans Arabic and Noto Sans Hebrew
// (right to left), and Droid Sans Fallback for Chinese, Japanese and
// Korean. On the desktop the system's fonts come after them, for whatever
// script they all miss. Sources and licences: README.md.
package fonts

import (
	_ "embed"
	"fmt"
	"sync"

	notoemoji "eliasnaur.com/font/noto/emoji/color"
	notoarabicbold "eliasnaur.com/font/noto/sans/arabic/bold"
	notoarabic "eliasnaur.com/font/noto/sans/arabic/regular"
	"gioui.org/font"
	"gioui.org/font/gofont"
	"gioui.org/font/opentype"
	"gioui.org/text"
)

// The faces eliasnaur.com/font lacks: Hebrew, and CJK with the simplified
// Chinese characters that Noto Sans JP leaves out (and Hangul), in 3.4 MB
// where Noto Sans JP alone takes 4.5 MB.
var (
	//go:embed NotoSansHebrew-Regular.ttf
	hebrewRegular []byte
	//go:embed NotoSansHebrew-Bold.ttf
	hebrewBold []byte
	//go:embed DroidSansFallback.ttf
	cjk []byte
)

var collection = sync.OnceValue(func() []font.FontFace {
	faces := append([]font.FontFace(nil), gofont.Collection()...)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"Noto Sans Arabic", notoarabic.TTF},
		{"Noto Sans Arabic Bold", notoarabicbold.TTF},
		{"Noto Sans Hebrew", hebrewRegular},
		{"Noto Sans Hebrew Bold", hebrewBold},
		{"Droid Sans Fallback", cjk},
		{"Noto Color Emoji", notoemoji.TTF},
	} {
		ff, err := opentype.ParseCollection(f.data)
		if err != nil {
			// The faces are embedded: a parse error is a broken build.
			panic(fmt.Sprintf("fonts: %s: %v", f.name, err))
		}
		faces = append(faces, ff...)
	}
	// Appends elsewhere must not share the backing array.
	return faces[:len(faces):len(faces)]
})

// Collection is the Go fonts followed by the fallback faces, parsed once.
func Collection() []font.FontFace { return collection() }

// NewShaper returns the desktop's shaper: the shipped faces, then the
// system's fonts for scripts the shipped faces miss.
func NewShaper() *text.Shaper {
	return text.NewShaper(text.WithCollection(Collection()))
}

// NewEmbeddedShaper returns a shaper with the shipped faces only, which
// draws the same on every machine: for tests and screenshots, and where no
// system fonts can be loaded.
func NewEmbeddedShaper() *text.Shaper {
	return text.NewShaper(text.NoSystemFonts(), text.WithCollection(Collection()))
}
