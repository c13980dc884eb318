package pdf

// LayoutForTest runs the layout on pdftohtml -xml output.
func LayoutForTest(out []byte) ([]Block, error) {
	pages, outline, err := parseXML(out)
	if err != nil {
		return nil, err
	}
	blocks, _ := layout(pages, outline)
	return blocks, nil
}
