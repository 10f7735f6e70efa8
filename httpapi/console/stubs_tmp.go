package console

import "github.com/go-chi/chi/v5"

func (c *Console) libraryRoutes(r chi.Router) {}
func (c *Console) accountRoutes(r chi.Router) {}
func (c *Console) portalRoutes(r chi.Router)  {}
