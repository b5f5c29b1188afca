package trace

import "io"

// Writer returns a sink that prints each frame to w as "rx <summary>\n" or
// "tx <summary>\n". It reuses one line buffer, so it does not allocate per
// frame (beyond what w does) and must not be shared between goroutines.
// Write errors are ignored: tracing must not break the data path.
func Writer(w io.Writer) func(Direction, int64, []byte) {
	line := make([]byte, 0, 256)
	return func(dir Direction, _ int64, frame []byte) {
		line = append(line[:0], dir.String()...)
		line = append(line, ' ')
		line = Summary(line, frame)
		line = append(line, '\n')
		w.Write(line)
	}
}
