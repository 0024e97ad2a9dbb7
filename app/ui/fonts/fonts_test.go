package fonts_test

import (
	"testing"

	"gioui.org/font"
	"gioui.org/font/gofont"
	"gioui.org/text"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
)

// samples are lines a chat carries, by script, and whether they run right
// to left.
var samples = []struct {
	script, text string
	rtl          bool
}{
	{"emoji", "Great news 🎉👍 see you at 10 😀", false},
	{"Arabic", "مرحبا بالجميع، كيف حالكم؟", true},
	{"Hebrew", "שלום לכולם, מה שלומכם?", true},
	{"Japanese", "こんにちは、会議は十時です。", false},
	{"simplified Chinese", "我们这里说话吧，谢谢你们的帮助！", false},
	{"traditional Chinese", "大家好，會議在十點開始。", false},
	{"Korean", "안녕하세요, 회의는 열 시입니다.", false},
	{"Latin, Greek, Cyrillic", "Zoë, Ελληνικά, Кириллица", false},
}

func TestEveryScriptHasGlyphs(t *testing.T) {
	sh := fonts.NewEmbeddedShaper()
	for _, weight := range []font.Weight{font.Normal, font.Bold} {
		for _, s := range samples {
			missing, rtl := uitest.MissingGlyphs(sh, font.Font{Weight: weight}, s.text)
			assert.Zero(t, missing, "%s (%v): glyphs drawn as empty boxes in %q", s.script, weight, s.text)
			assert.Equal(t, s.rtl, rtl > 0, "%s (%v) runs right to left: %v", s.script, weight, s.rtl)
		}
	}
}

// The Go fonts alone, as before, miss every script but the European ones:
// the check above can fail.
func TestTheGoFontsAloneMissMostScripts(t *testing.T) {
	sh := text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
	for _, s := range samples {
		missing, _ := uitest.MissingGlyphs(sh, font.Font{}, s.text)
		if s.script == "Latin, Greek, Cyrillic" {
			assert.Zero(t, missing, s.script)
		} else {
			assert.NotZero(t, missing, s.script)
		}
	}
}

// mixed is one chat line in every script at once, as the end-to-end test
// sends it: the shaper falls back between faces within the line, and runs
// the Arabic and Hebrew parts right to left.
const mixed = "Hi 👋🎉 مرحبا بالجميع שלום こんにちは世界 你好"

// TestOneLineInEveryScript checks the line with the shaper the window
// draws with (the shipped faces, then the system's) and with the shipped
// faces alone, as tests and screenshots draw.
func TestOneLineInEveryScript(t *testing.T) {
	for _, sh := range []struct {
		name string
		sh   *text.Shaper
	}{{"window", fonts.NewShaper()}, {"embedded", fonts.NewEmbeddedShaper()}} {
		for _, weight := range []font.Weight{font.Normal, font.Bold} {
			missing, rtl := uitest.MissingGlyphs(sh.sh, font.Font{Weight: weight}, mixed)
			assert.Zero(t, missing, "%s shaper (%v): glyphs drawn as empty boxes in %q", sh.name, weight, mixed)
			assert.NotZero(t, rtl, "%s shaper (%v): the Arabic and Hebrew run right to left", sh.name, weight)
		}
	}
	// The same check with the Go fonts alone finds the boxes: one for
	// every rune outside Latin and the spaces.
	goOnly := text.NewShaper(text.NoSystemFonts(), text.WithCollection(gofont.Collection()))
	missing, _ := uitest.MissingGlyphs(goOnly, font.Font{}, mixed)
	assert.Equal(t, 2+12+4+7+2, missing, "boxes in %q with the Go fonts", mixed)
}
