package proto

import (
	"fmt"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// NickIdentity is what a hub compares to tell whether a nick is taken under
// the owned-nick rules of natter/1 (section 9), which upgrade the NFC and
// case folding of [NickKey]:
//
//   - Key is the nick's PRECIS UsernameCaseMapped form (RFC 8265): width
//     folded (ＡＬＩＣＥ is alice), lower-cased and in NFC. Two nicks with one
//     Key are one nick; ownership is recorded under it.
//   - Skeleton is its confusable skeleton (Unicode TS #39) taken from the
//     case-preserved PRECIS form (RFC 8265 UsernameCasePreserved) and then
//     case folded. Two nicks with one Skeleton look alike: аlice with a
//     Cyrillic а, aIice with a capital I, and alice all have the skeleton
//     "alice".
//
// A hub refuses a nick as nick-in-use when its Key or its Skeleton equals
// that of a nick someone else has online or owns ([NickIdentity.Collides]),
// so a hub keeps one index by Key and one by Skeleton. Both are opaque
// comparison strings, never shown: a Skeleton mixes scripts freely.
//
// The skeleton is taken before case folding because what people see is the
// nick as written, and the TS #39 data maps capital I to l but leaves
// lower-case i alone; folding afterwards makes case differences irrelevant
// too, as they are for the Key. Full case folding also writes ß as ss, so
// Straße and strasse, which PRECIS keeps apart as two Keys (ß is already
// lower case), still share a Skeleton and cannot be online as two users.
type NickIdentity struct {
	Key      string
	Skeleton string
}

// Collides reports whether nicks id and other may not belong to two
// different users at once: they are one nick or they look alike.
func (id NickIdentity) Collides(other NickIdentity) bool {
	return id.Key == other.Key || id.Skeleton == other.Skeleton
}

// IdentifyNick checks nick as [ValidNick] does and returns its
// [NickIdentity]. It also refuses, with a bad-nick *Error, a nick that the
// PRECIS IdentifierClass or its bidi rule rejects (RFC 8264, RFC 5893): a
// character with a compatibility decomposition such as the ligature ﬁ or
// the micro sign µ, or one that mixes right-to-left and left-to-right
// letters (علي is accepted, Ali_علي is not), and a nick that is, or looks
// like, a reserved one (ｈｕｂ, hսb with an Armenian ս).
//
// The nick is checked in NFC, the form in which a hub registers it, so a
// letter written with a combining accent counts as one letter.
func IdentifyNick(nick string) (NickIdentity, error) {
	nick = norm.NFC.String(nick)
	if err := ValidNick(nick); err != nil {
		return NickIdentity{}, err
	}
	key, err := caseMappedKey(nick)
	if err != nil {
		return NickIdentity{}, precisRefusal(nick, err)
	}
	preserved, err := precis.UsernameCasePreserved.String(nick)
	if err != nil {
		return NickIdentity{}, precisRefusal(nick, err)
	}
	id := NickIdentity{Key: key, Skeleton: nickSkeleton(preserved)}
	for i, r := range reservedNicks {
		if id.Collides(NickIdentity{Key: r, Skeleton: reservedSkeletons[i]}) {
			return NickIdentity{}, NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s is, or looks like, the reserved nick %q", quoteInput(nick), r))
		}
	}
	return id, nil
}

// LooseNickIdentity returns an identity for a nick that [IdentifyNick]
// refuses as no PRECIS username (a ligature, a micro sign), taken after
// compatibility folding (NFKC), so that a hub can still tell that ﬁona
// looks like an owned fiona. Such a nick cannot be owned itself.
func LooseNickIdentity(nick string) NickIdentity {
	n := norm.NFKC.String(nick)
	return NickIdentity{Key: cases.Fold().String(n), Skeleton: nickSkeleton(n)}
}

// reservedSkeletons holds the skeleton of each of reservedNicks, which are
// their own keys; computed once, never changed.
var reservedSkeletons = func() (s [len(reservedNicks)]string) {
	for i, r := range reservedNicks {
		s[i] = nickSkeleton(r)
	}
	return s
}()

// caseMappedKey returns the PRECIS UsernameCaseMapped form of s.
func caseMappedKey(s string) (string, error) {
	return precis.UsernameCaseMapped.String(s)
}

// nickSkeleton returns the case-folded TS #39 skeleton of s, a nick in its
// case-preserved PRECIS form.
func nickSkeleton(s string) string {
	return cases.Fold().String(confusables.Skeleton(s))
}

// precisRefusal turns a PRECIS error into a bad-nick error. The precis
// package's errors name no character, so the detail says which rule.
func precisRefusal(nick string, err error) *Error {
	return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s is not a PRECIS username (RFC 8265): %v", quoteInput(nick), err))
}
