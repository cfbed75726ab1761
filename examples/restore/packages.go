package main

import (
	"context"
	"errors"

	"github.com/ghpackages/restore/api"
)

// packageNames lists the names of the owner's packages of pkg's type.
func packageNames(ctx context.Context, client *api.Client, pkg api.Package) ([]string, error) {
	return nil, errors.New("TODO: Client.Packages")
}
