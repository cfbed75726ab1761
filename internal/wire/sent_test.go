package wire

import (
	"context"
	"testing"
)

type otherKey struct{}

func TestNoteSentCallsTheFunctionOfItsContext(t *testing.T) {
	n := 0
	ctx := WithSent(context.Background(), func() { n++ })
	NoteSent(ctx)
	NoteSent(context.WithValue(ctx, otherKey{}, 1)) // a child context carries it
	NoteSent(context.Background())                  // none set: nothing happens
	if n != 2 {
		t.Fatalf("fn called %d times, want 2", n)
	}
	if WithSent(context.Background(), nil) != context.Background() {
		t.Fatal("WithSent(ctx, nil) should return ctx unchanged")
	}
}

func TestNoteAnsweredCallsTheFunctionOfItsContext(t *testing.T) {
	var got []bool
	ctx := WithAnswered(context.Background(), func(uncertain bool) { got = append(got, uncertain) })
	NoteAnswered(ctx, true)
	NoteAnswered(ctx, false)
	NoteAnswered(context.Background(), true) // none set: nothing happens
	if len(got) != 2 || !got[0] || got[1] {
		t.Fatalf("fn called with %v, want [true false]", got)
	}
	if WithAnswered(context.Background(), nil) != context.Background() {
		t.Fatal("WithAnswered(ctx, nil) should return ctx unchanged")
	}
}
