module github.com/slowroutes/slowroutes

go 1.26
