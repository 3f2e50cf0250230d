package console

var topicPages = []page{}
