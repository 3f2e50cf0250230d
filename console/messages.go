package console

var messagePages = []page{}
