package proto_test

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/natter-chat/natter/core/proto"
)

func ExampleParseEvent() {
	hub := "HELLO natter/1 Office hub\nMSG 1764140400123 bob two\\nlines\nERR 409 NICK nick-in-use nick \"bob\" is in use\n"
	r := proto.NewReader(bufio.NewReader(strings.NewReader(hub)), proto.MaxHubLineLen)
	for {
		line, err := r.ReadLine()
		if err != nil {
			break
		}
		ev, err := proto.ParseEvent(string(line))
		if err != nil {
			fmt.Println("bad hub line:", err)
			continue
		}
		switch ev.Keyword {
		case proto.KwHello:
			fmt.Printf("connected to %q (%s)\n", ev.Text, ev.Version)
		case proto.KwMsg:
			fmt.Printf("<%s> %q\n", ev.Nick, ev.Text)
		case proto.KwErr:
			err := &ev.Err
			fmt.Println(err, errors.Is(err, &proto.Error{Reason: proto.ReasonNickInUse}))
		}
	}
	// Output:
	// connected to "Office hub" (natter/1)
	// <bob> "two\nlines"
	// natter: NICK nick-in-use (409): nick "bob" is in use true
}

func ExampleCommand_Append() {
	var buf []byte
	for _, c := range []proto.Command{
		{Keyword: proto.KwNick, Nick: "alice"},
		{Keyword: proto.KwMsg, Text: "first line\nsecond line"},
		{Keyword: proto.KwMsg, Text: "bad\ttab"},
	} {
		var err error
		buf, err = c.Append(buf)
		if err != nil {
			fmt.Println("not sent:", err)
		}
	}
	fmt.Print(string(buf))
	// Output:
	// not sent: natter: MSG bad-text (400): control character U+0009 at byte 3
	// NICK alice
	// MSG first line\nsecond line
}

func ExampleParseCommand() {
	for _, line := range []string{"msg hello", "GET ../secret", "NICK"} {
		c, err := proto.ParseCommand(line)
		var pe *proto.Error
		if errors.As(err, &pe) {
			fmt.Print(string(pe.AppendLine(nil)))
			continue
		}
		fmt.Printf("%s %q\n", c.Keyword, c.Text)
	}
	// Output:
	// MSG "hello"
	// ERR 400 GET bad-name file name "../secret" starts with '.'
	// ERR 400 NICK bad-syntax missing nick
}

// A hub keeps the nicks online (and the owned ones) by Key and by
// Skeleton, and refuses a nick that collides with someone else's.
func ExampleIdentifyNick() {
	byKey := map[string]string{}      // Key → the user holding it
	bySkeleton := map[string]string{} // Skeleton → the user holding it
	register := func(user, nick string) {
		id, err := proto.IdentifyNick(nick)
		if err != nil {
			fmt.Println(user, "refused:", err.(*proto.Error).Reason)
			return
		}
		if u, ok := byKey[id.Key]; ok && u != user {
			fmt.Println(user, "refused:", proto.ReasonNickInUse)
			return
		}
		if u, ok := bySkeleton[id.Skeleton]; ok && u != user {
			fmt.Println(user, "refused:", proto.ReasonNickInUse)
			return
		}
		byKey[id.Key], bySkeleton[id.Skeleton] = user, user
		fmt.Println(user, "is", nick)
	}
	register("u1", "alice")
	register("u2", "\u0430lice") // Cyrillic а
	register("u3", "ＡＬＩＣＥ")
	register("u4", "alice\u202e")
	register("u5", "Straße")
	register("u6", "strasse")
	// Output:
	// u1 is alice
	// u2 refused: nick-in-use
	// u3 refused: nick-in-use
	// u4 refused: bad-nick
	// u5 is Straße
	// u6 refused: nick-in-use
}
