package client

import "slices"

// unsharedFile takes a file that left the hub's shared folder (UNSHARED)
// out of the file list, so nobody asks for what is gone.
func (st *state) unsharedFile(h hubLine) {
	if st.filesTime.IsZero() {
		return // no list yet: the first FILES answer will not hold it
	}
	i := slices.IndexFunc(st.files, func(f File) bool { return f.Name == h.Name })
	if i < 0 {
		return
	}
	st.files = slices.Delete(slices.Clone(st.files), i, i+1)
	st.dirty = true
}
