module github.com/seed947b3480/legation

go 1.24
