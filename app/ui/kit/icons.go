package kit

import (
	"gioui.org/widget"
	mdi "golang.org/x/exp/shiny/materialdesign/icons"
)

// Icons the screens need beyond package icons.
var (
	// CopyIcon is the "copy" action of a message.
	CopyIcon = mustIcon(mdi.ContentContentCopy)
	// MoonIcon and SunIcon stand for the dark and light themes: the
	// brightness icons look like a settings gear at small sizes.
	MoonIcon = mustIcon(mdi.ImageBrightness3)
	SunIcon  = mustIcon(mdi.ImageWBSunny)
	// AutoThemeIcon stands for following the system's theme: a screen,
	// the automatic-brightness icon being another gear look-alike.
	AutoThemeIcon = mustIcon(mdi.HardwareDesktopWindows)
)

func mustIcon(data []byte) *widget.Icon {
	ic, err := widget.NewIcon(data)
	if err != nil {
		panic("kit: bad icon data: " + err.Error())
	}
	return ic
}
