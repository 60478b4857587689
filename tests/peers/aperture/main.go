package main

import (
	_ "github.com/lightninglabs/aperture/l402"
	_ "github.com/lightninglabs/aperture/mint"
	_ "gopkg.in/macaroon.v2"
)

func main() {}
