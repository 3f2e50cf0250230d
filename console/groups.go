package console

var groupPages = []page{}
