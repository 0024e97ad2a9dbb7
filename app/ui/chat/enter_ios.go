package chat

// On iOS, as on Android, Enter starts a new line and the Send button sends.
const enterSends = false
