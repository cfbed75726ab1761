module github.com/ghpackages/restore/bench/peers

go 1.25.0

replace github.com/ghpackages/restore => ../..

require (
	github.com/ghpackages/restore v0.0.0-00010101000000-000000000000
	github.com/google/go-github/v75 v75.0.0
)

require (
	github.com/apapsch/go-jsonmerge/v2 v2.0.0 // indirect
	github.com/google/go-querystring v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/oapi-codegen/runtime v1.8.0 // indirect
	golang.org/x/oauth2 v0.36.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
