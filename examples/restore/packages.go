package main

import (
	"context"

	"github.com/ghpackages/restore/api"
)

// maxSuggestionPackages bounds the listing behind a "did you mean": ten
// pages of 100 are enough to suggest a name, and keep a typo cheap.
const maxSuggestionPackages = 1000

// packageNames lists the names of the owner's packages of pkg's type (all
// pages, up to maxSuggestionPackages), for suggestions.
func packageNames(ctx context.Context, client *api.Client, pkg api.Package) ([]string, error) {
	var names []string
	for info, err := range client.Packages(ctx, pkg.Owner, pkg.Type, nil) {
		if err != nil {
			return names, err
		}
		names = append(names, info.Package.Name)
		if len(names) >= maxSuggestionPackages {
			break
		}
	}
	return names, nil
}
