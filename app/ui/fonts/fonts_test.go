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
