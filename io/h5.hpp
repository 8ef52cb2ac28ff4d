// A thin RAII layer over the HDF5 C API (serial HDF5 1.10): handles that close themselves, and
// the few operations MesoSim's writers and readers need (attributes, whole datasets, chunked and
// compressed 3-D fields, extendible 1-D series). Every failure throws OutputError (writing) or
// InputError (reading) naming the file and the object, with HDF5's own innermost reason (e.g.
// "No space left on device"); HDF5's automatic error printing is switched off.
#pragma once

#include <hdf5.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mesosim::h5 {

/// An hid_t that closes itself with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle() { close(); }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void close() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// HDF5's innermost error message of the current error stack ("" if none).
std::string last_error();
/// Switches off HDF5's printing of error stacks (once per process).
void silence_errors();

enum class Mode { create_new, create_truncate, read_only, read_write };

/// An open HDF5 file; `path` is kept for messages.
class File {
 public:
  File(const std::string& path, Mode mode);
  hid_t id() const { return handle_.id(); }
  const std::string& path() const { return path_; }
  void flush();
  void close();  ///< flushes and closes; throws if HDF5 reports a failure

 private:
  std::string path_;
  Handle handle_;
};

// --- writing (OutputError on failure) -------------------------------------------------------------
Handle create_group(const File& file, const std::string& path);
bool exists(const File& file, const std::string& path);
void remove(const File& file, const std::string& path);

void write_attribute(const File& file, hid_t object, const std::string& name, const std::string& value);
void write_attribute(const File& file, hid_t object, const std::string& name, double value);
void write_attribute(const File& file, hid_t object, const std::string& name, const std::vector<double>& value);
void write_attribute(const File& file, hid_t object, const std::string& name, const std::vector<long long>& value);
void write_attribute(const File& file, hid_t object, const std::string& name, const std::vector<std::string>& value);

/// A whole dataset of `dims` (C order, last fastest). `compress` chunks it by planes of the last two
/// dimensions and applies shuffle + deflate(1). float32 stores the values rounded to float.
void write_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims, const double* data,
                   bool compress = false, bool as_float32 = false);
void write_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims, const int* data,
                   bool compress = false);
/// The same, chunked by planes of the last two dimensions with a Fletcher-32 checksum per chunk and no
/// compression: reading a damaged chunk back is an error, not wrong numbers (the checkpoint's fields).
void write_checksummed_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims,
                               const double* data);
/// A 3-D field (nz, ny, nx) chunked by z-planes with the standard shuffle + deflate filters, each
/// chunk compressed here in parallel (zlib run-length strategy: ~5x faster than level 1 for about
/// the same size on smooth float data) and written with H5Dwrite_chunk; any HDF5 reader decodes it.
void write_field(const File& file, const std::string& path, int nz, int ny, int nx, const double* data,
                 bool as_float32 = false);
void write_strings(const File& file, const std::string& path, const std::vector<std::string>& values);

/// Appends values to an extendible 1-D float64 dataset, creating it (chunked) on first use.
void append(const File& file, const std::string& path, const std::vector<double>& values);
/// Shrinks an extendible 1-D dataset to `size` entries (no-op if it is shorter).
void truncate(const File& file, const std::string& path, hsize_t size);

// --- reading (InputError on failure) --------------------------------------------------------------
std::vector<hsize_t> dataset_dims(const File& file, const std::string& path);
std::vector<double> read_doubles(const File& file, const std::string& path);
std::vector<std::string> read_strings(const File& file, const std::string& path);
std::string read_string_attribute(const File& file, const std::string& object, const std::string& name);
double read_double_attribute(const File& file, const std::string& object, const std::string& name);
std::vector<double> read_doubles_attribute(const File& file, const std::string& object, const std::string& name);
std::vector<long long> read_integers_attribute(const File& file, const std::string& object, const std::string& name);
/// Names of the members of a group, in name order.
std::vector<std::string> members(const File& file, const std::string& group);

}  // namespace mesosim::h5
