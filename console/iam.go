package console

// The control plane's own users, tokens, policies (with the simulator)
// and projects.
var iamPages = []page{}
