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
