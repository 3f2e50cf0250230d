package console

var metricPages = []page{}
