package console

var taskPages = []page{}
