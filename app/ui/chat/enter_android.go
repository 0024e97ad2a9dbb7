package chat

// On Android the soft keyboard's Enter key starts a new line, as in other
// messaging apps; the Send button sends.
const enterSends = false
