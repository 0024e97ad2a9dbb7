// Package client is the core of a Natter chat client: it joins a hub over
// natter/1, keeps the session alive across drops, and moves files with the
// hub over UDP.
//
// # Shape
//
// A [Client] owns one hub session. One event-loop goroutine owns all of
// its state; the connection's reader goroutine parses the hub's lines and
// hands them to the loop, its writer goroutine sends the loop's lines,
// paced under the hub's flood limit, over any transport [Config.Dial]
// gives, and each running transfer has a worker goroutine. Nothing but
// the loop changes the state, and the loop never waits for the
// application.
//
// Inside, the state is a state machine of its own that does no I/O and
// reads no clock: the loop takes one event at a time (a line, an intent,
// a worker's result, a timer), applies it to the state with the time of
// the event, and carries out the effects the state asks for (write a
// line, dial, start or stop a worker, tell Events), then publishes.
//
// Intents go in through methods that never block and are safe from any
// goroutine: [Client.Send], [Client.SendPrivate], [Client.SetNick],
// [Client.RefreshUsers], [Client.RefreshFiles], [Client.Download],
// [Client.Upload], [Client.UploadReader], [Client.Cancel] and
// [Client.Quit]. [Client.Close] quits and returns once every goroutine of
// the client has ended.
//
// State comes out as an immutable [Snapshot] plus the coalescing
// [Client.Changed] channel: a user interface redraws from the latest
// snapshot whenever Changed fires. Taking a snapshot is cheap whatever the
// size of the log, because the message log is shared between snapshots,
// append-only, and every other list is replaced, never modified, when it
// changes. One-off notifications (messages, private messages, errors,
// transfer progress) also go to the bounded [Client.Events] stream, which
// drops its oldest entry rather than wait for a slow reader.
//
// # State model
//
// The connection is [Connecting] until the hub first accepts the nick,
// then [Registered]. A drop makes it [Reconnecting] (with the time of the
// next attempt); exponential back-off with jitter, from 200 ms up to 3 s by
// default, brings it back soon after the hub returns. [Closed] is final:
// after Quit, Close or the Start context's end; after a BYE from the hub
// (other than shutdown, timeout, too-slow and connection-lost, after which
// it reconnects); or when the first registration is refused (nick taken or
// invalid, hub full). Connection.Cause says why as a code, with the error
// behind it in Connection.Err (a *HubError, *ByeError or *VersionError
// where the hub said so, else what the network said: errors.Is with
// syscall.ECONNREFUSED works). The client writes no words for people:
// System lines of the log say what they are (Message.Note) and carry who,
// why and what in fields (From, To, Reason, Name, Size, Cause, Err), and
// transfers say why they wait or failed with a TransferReason; a user
// interface puts them into words.
//
// After a reconnect the client registers the same nick (with a digit
// appended if it is now taken), asks for the file list again, sends the
// messages typed while it was away, keeps its message log and skips the
// lines of the hub's HISTORY it already holds (same time, sender and
// text).
//
// Transfers are queued, then running (asked for, then moving data), then
// done, failed or cancelled. Up to Config.MaxTransfers (the hub's
// per-client limit, 4) run at once. A download is written to <name>.part
// and renamed only once its size and SHA-256 match; one cut by a drop is
// queued again and resumes from its .part with a new GET after the
// reconnect. A cancelled download leaves neither the file nor its .part.
//
// Replies are matched to requests in order: each request the hub answers
// waits in a FIFO per keyword, so a GET or PUT grant or an ERR naming GET
// or PUT finds its transfer even while chat lines arrive in between.
package client
