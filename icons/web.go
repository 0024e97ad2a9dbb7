package icons

import mdi "golang.org/x/exp/shiny/materialdesign/icons"

// JoinLink opens the link and QR code a phone joins the hub by.
var JoinLink = mustIcon(mdi.SocialShare)
