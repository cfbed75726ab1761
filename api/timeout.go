package api

// The attempt bound (WithAttemptTimeout) is internal/wire's Timeout: one
// bound per attempt, covering the request, the answer's headers and its
// body, on the client's Clock when it is a TimerClock (see Clock).
