#include "io/h5.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>

#include <zlib.h>

#include "solver/error.hpp"

namespace mesosim::h5 {

namespace {

[[noreturn]] void fail_write(const File& file, const std::string& what) {
  std::string message = "writing " + file.path() + ": " + what + " failed";
  const std::string reason = last_error();
  if (!reason.empty()) message.append(" (").append(reason).append(")");
  throw OutputError(message);
}

[[noreturn]] void fail_read(const File& file, const std::string& what) {
  std::string message = file.path() + ": cannot read " + what;
  const std::string reason = last_error();
  if (!reason.empty()) message.append(" (").append(reason).append(")");
  message.append("; the file is damaged, incomplete or not a MesoSim file");
  throw InputError(message);
}

herr_t collect_innermost(unsigned n, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (n == 0 && error->desc) *text = error->desc;  // the innermost (where the failure happened)
  return 0;
}

Handle open_object(const File& file, const std::string& path) {
  if (path == "/" || path.empty()) return Handle(H5Oopen(file.id(), "/", H5P_DEFAULT));
  return Handle(H5Oopen(file.id(), path.c_str(), H5P_DEFAULT));
}

/// Strings as one fixed-width block (each NUL-padded to the longest + 1); `width` receives it.
/// Never empty: HDF5 refuses a null buffer even for zero strings.
std::vector<char> pack_strings(const std::vector<std::string>& values, std::size_t& width) {
  width = 1;
  for (const std::string& v : values) width = std::max(width, v.size() + 1);
  std::vector<char> packed(width * values.size() + 1, '\0');
  for (std::size_t n = 0; n < values.size(); ++n) std::memcpy(&packed[n * width], values[n].data(), values[n].size());
  return packed;
}

Handle string_type(std::size_t size) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), std::max<std::size_t>(size, 1));
  H5Tset_strpad(type.id(), H5T_STR_NULLTERM);
  return type;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::close() noexcept {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: H5Oclose(id_); break;
  }
  id_ = H5I_INVALID_HID;
}

std::string last_error() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_innermost, &text);
  // System errors carry the useful part after "error message = ".
  const std::size_t at = text.find("error message = '");
  if (at != std::string::npos) {
    const std::size_t start = at + 17, end = text.find('\'', start);
    text = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return text;
}

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

File::File(const std::string& path, Mode mode) : path_(path) {
  silence_errors();
  // New files in the HDF5 1.8 format or later (superblock 2, object header 2, new chunk indexes):
  // every piece of metadata carries a checksum, so a damaged file is refused by HDF5 with an error
  // instead of being parsed (HDF5 1.10.8 crashes on some damaged headers of the older format; found
  // by tests/fuzz/fuzz_checkpoint). ParaView 5.11 and h5py read this format.
  const Handle access(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(access.id(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  hid_t id = H5I_INVALID_HID;
  switch (mode) {
    case Mode::create_new: id = H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.id()); break;
    case Mode::create_truncate: id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.id()); break;
    case Mode::read_only: id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); break;
    case Mode::read_write: id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT); break;
  }
  if (id < 0) {
    if (mode == Mode::read_only || mode == Mode::read_write) fail_read(*this, "the file");
    fail_write(*this, "creating the file");
  }
  handle_ = Handle(id);
}

void File::flush() {
  if (H5Fflush(handle_.id(), H5F_SCOPE_GLOBAL) < 0) fail_write(*this, "flushing");
}

void File::close() {
  if (!handle_.valid()) return;
  flush();
  handle_ = Handle();  // H5Fclose through the handle; errors there were caught by the flush
}

Handle create_group(const File& file, const std::string& path) {
  Handle group(H5Gcreate2(file.id(), path.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!group.valid()) fail_write(file, "creating group " + path);
  return group;
}

bool exists(const File& file, const std::string& path) {
  // Check each prefix: H5Lexists fails on a missing intermediate group.
  std::size_t pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos)
    if (H5Lexists(file.id(), path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(file.id(), path.c_str(), H5P_DEFAULT) > 0;
}

void remove(const File& file, const std::string& path) {
  if (H5Ldelete(file.id(), path.c_str(), H5P_DEFAULT) < 0) fail_write(file, "removing " + path);
}

void write_attribute(const File& file, hid_t object, const std::string& name, const std::string& value) {
  const Handle type = string_type(value.size() + 1);
  const Handle space(H5Screate(H5S_SCALAR));
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  const Handle attribute(H5Acreate2(object, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.id(), type.id(), value.c_str()) < 0)
    fail_write(file, "attribute " + name);
}

namespace {
template <class T>
void write_numeric_attribute(const File& file, hid_t object, const std::string& name, const T* values,
                             hsize_t n, hid_t file_type, hid_t memory_type, bool scalar) {
  const Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr));
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  const Handle attribute(H5Acreate2(object, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  const T none{};  // HDF5 refuses a null buffer even for an empty attribute
  if (!attribute.valid() || H5Awrite(attribute.id(), memory_type, n > 0 ? values : &none) < 0)
    fail_write(file, "attribute " + name);
}
}  // namespace

void write_attribute(const File& file, hid_t object, const std::string& name, double value) {
  write_numeric_attribute(file, object, name, &value, 1, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, true);
}
void write_attribute(const File& file, hid_t object, const std::string& name, const std::vector<double>& value) {
  write_numeric_attribute(file, object, name, value.data(), value.size(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, false);
}
void write_attribute(const File& file, hid_t object, const std::string& name, const std::vector<long long>& value) {
  write_numeric_attribute(file, object, name, value.data(), value.size(), H5T_STD_I64LE, H5T_NATIVE_LLONG, false);
}
void write_attribute(const File& file, hid_t object, const std::string& name,
                     const std::vector<std::string>& value) {
  std::size_t width = 0;
  const std::vector<char> packed = pack_strings(value, width);
  const Handle type = string_type(width);
  const hsize_t n = value.size();
  const Handle space(H5Screate_simple(1, &n, nullptr));
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  const Handle attribute(H5Acreate2(object, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.id(), type.id(), packed.data()) < 0)
    fail_write(file, "attribute " + name);
}

namespace {
Handle dataset_properties(const std::vector<hsize_t>& dims, bool compress) {
  Handle properties(H5Pcreate(H5P_DATASET_CREATE));
  if (compress && !dims.empty()) {
    std::vector<hsize_t> chunk(dims.size(), 1);
    for (std::size_t d = dims.size() >= 2 ? dims.size() - 2 : 0; d < dims.size(); ++d) chunk[d] = std::max<hsize_t>(dims[d], 1);
    H5Pset_chunk(properties.id(), int(chunk.size()), chunk.data());
    H5Pset_shuffle(properties.id());
    H5Pset_deflate(properties.id(), 1);
  }
  return properties;
}
}  // namespace

void write_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims, const double* data,
                   bool compress, bool as_float32) {
  const Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
  const Handle properties = dataset_properties(dims, compress);
  const Handle dataset(H5Dcreate2(file.id(), path.c_str(), as_float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space.id(),
                                  H5P_DEFAULT, properties.id(), H5P_DEFAULT));
  if (!dataset.valid() || H5Dwrite(dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_write(file, "dataset " + path);
}

void write_checksummed_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims,
                               const double* data) {
  const Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
  const Handle properties(H5Pcreate(H5P_DATASET_CREATE));
  if (!dims.empty()) {
    std::vector<hsize_t> chunk(dims.size(), 1);
    for (std::size_t d = dims.size() >= 2 ? dims.size() - 2 : 0; d < dims.size(); ++d) chunk[d] = std::max<hsize_t>(dims[d], 1);
    H5Pset_chunk(properties.id(), int(chunk.size()), chunk.data());
    H5Pset_fletcher32(properties.id());
  }
  const Handle dataset(H5Dcreate2(file.id(), path.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, properties.id(),
                                  H5P_DEFAULT));
  if (!dataset.valid() || H5Dwrite(dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_write(file, "dataset " + path);
}

void write_dataset(const File& file, const std::string& path, const std::vector<hsize_t>& dims, const int* data,
                   bool compress) {
  const Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr));
  const Handle properties = dataset_properties(dims, compress);
  const Handle dataset(
      H5Dcreate2(file.id(), path.c_str(), H5T_STD_I32LE, space.id(), H5P_DEFAULT, properties.id(), H5P_DEFAULT));
  if (!dataset.valid() || H5Dwrite(dataset.id(), H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_write(file, "dataset " + path);
}

void write_field(const File& file, const std::string& path, int nz, int ny, int nx, const double* data,
                 bool as_float32) {
  const hsize_t dims[3] = {hsize_t(nz), hsize_t(ny), hsize_t(nx)}, chunk[3] = {1, hsize_t(ny), hsize_t(nx)};
  const Handle space(H5Screate_simple(3, dims, nullptr));
  const Handle properties(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(properties.id(), 3, chunk);
  H5Pset_shuffle(properties.id());
  H5Pset_deflate(properties.id(), 1);
  const Handle dataset(H5Dcreate2(file.id(), path.c_str(), as_float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space.id(),
                                  H5P_DEFAULT, properties.id(), H5P_DEFAULT));
  if (!dataset.valid()) fail_write(file, "dataset " + path);
  const std::size_t plane = std::size_t(nx) * std::size_t(ny), width = as_float32 ? 4 : 8, bytes = plane * width;
  const uLong bound = compressBound(uLong(bytes));
  std::vector<std::vector<unsigned char>> compressed(static_cast<std::size_t>(nz));
  std::vector<uLong> sizes(std::size_t(nz), 0);
  int failures = 0;
#pragma omp parallel reduction(+ : failures)
  {
    std::vector<unsigned char> raw(bytes), shuffled(bytes);
#pragma omp for schedule(static)
    for (int k = 0; k < nz; ++k) {
      const double* values = data + std::size_t(k) * plane;
      if (as_float32) {
        for (std::size_t n = 0; n < plane; ++n) {
          const float value = float(values[n]);
          std::memcpy(&raw[n * 4], &value, 4);
        }
      } else {
        std::memcpy(raw.data(), values, bytes);
      }
      for (std::size_t n = 0; n < plane; ++n)  // the shuffle filter: byte b of every value together
        for (std::size_t b = 0; b < width; ++b) shuffled[b * plane + n] = raw[n * width + b];
      std::vector<unsigned char>& out = compressed[std::size_t(k)];
      out.resize(bound);
      z_stream stream{};
      uLong size = 0;
      if (deflateInit2(&stream, 1, Z_DEFLATED, 15, 8, Z_RLE) == Z_OK) {
        stream.next_in = shuffled.data();
        stream.avail_in = uInt(bytes);
        stream.next_out = out.data();
        stream.avail_out = uInt(bound);
        if (deflate(&stream, Z_FINISH) == Z_STREAM_END) size = stream.total_out;
        deflateEnd(&stream);
      }
      if (size == 0) ++failures;
      sizes[std::size_t(k)] = size;
    }
  }
  if (failures > 0) fail_write(file, "compressing " + path);
  for (int k = 0; k < nz; ++k) {
    const hsize_t offset[3] = {hsize_t(k), 0, 0};
    if (H5Dwrite_chunk(dataset.id(), H5P_DEFAULT, 0, offset, std::size_t(sizes[std::size_t(k)]),
                       compressed[std::size_t(k)].data()) < 0)
      fail_write(file, "dataset " + path);
  }
}

void write_strings(const File& file, const std::string& path, const std::vector<std::string>& values) {
  std::size_t width = 0;
  const std::vector<char> packed = pack_strings(values, width);
  const Handle type = string_type(width);
  const hsize_t n = values.size();
  const Handle space(H5Screate_simple(1, &n, nullptr));
  const Handle dataset(H5Dcreate2(file.id(), path.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid() || (n > 0 && H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()) < 0))
    fail_write(file, "dataset " + path);
}

void append(const File& file, const std::string& path, const std::vector<double>& values) {
  Handle dataset;
  hsize_t old_size = 0;
  if (exists(file, path)) {
    dataset = Handle(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
    const Handle space(H5Dget_space(dataset.id()));
    H5Sget_simple_extent_dims(space.id(), &old_size, nullptr);
  } else {
    const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 256;
    const Handle space(H5Screate_simple(1, &zero, &unlimited));
    const Handle properties(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(properties.id(), 1, &chunk);
    dataset = Handle(
        H5Dcreate2(file.id(), path.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, properties.id(), H5P_DEFAULT));
  }
  if (!dataset.valid()) fail_write(file, "dataset " + path);
  if (values.empty()) return;
  const hsize_t new_size = old_size + values.size(), count = values.size();
  if (H5Dset_extent(dataset.id(), &new_size) < 0) fail_write(file, "extending " + path);
  const Handle file_space(H5Dget_space(dataset.id()));
  H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &old_size, nullptr, &count, nullptr);
  const Handle memory_space(H5Screate_simple(1, &count, nullptr));
  if (H5Dwrite(dataset.id(), H5T_NATIVE_DOUBLE, memory_space.id(), file_space.id(), H5P_DEFAULT, values.data()) < 0)
    fail_write(file, "appending to " + path);
}

void truncate(const File& file, const std::string& path, hsize_t size) {
  const Handle dataset(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail_write(file, "opening " + path);
  hsize_t old_size = 0;
  {
    const Handle space(H5Dget_space(dataset.id()));
    H5Sget_simple_extent_dims(space.id(), &old_size, nullptr);
  }
  if (old_size > size && H5Dset_extent(dataset.id(), &size) < 0) fail_write(file, "shrinking " + path);
}

std::vector<hsize_t> dataset_dims(const File& file, const std::string& path) {
  const Handle dataset(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail_read(file, path);
  const Handle space(H5Dget_space(dataset.id()));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail_read(file, path);
  std::vector<hsize_t> dims(std::size_t(rank), 0);
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

namespace {
/// `n` elements of `size` bytes as a count, or InputError when a damaged file claims more than it
/// can hold: deflate expands at most about 1032 : 1, so more than 1100 bytes per byte of file (or an
/// overflowing product) is damage, refused before anything is allocated.
std::size_t checked_count(const File& file, const std::string& what, hsize_t n, std::size_t size) {
  hsize_t file_size = 0;
  H5Fget_filesize(file.id(), &file_size);
  const hsize_t limit = std::max<hsize_t>(file_size, 1 << 20) * 1100;
  if (size != 0 && n > limit / size)
    fail_read(file, what + " (its size, " + std::to_string(n) + " values, is more than the file can hold: damaged)");
  return std::size_t(n);
}
std::size_t checked_count(const File& file, const std::string& what, const std::vector<hsize_t>& dims, std::size_t size) {
  hsize_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > std::numeric_limits<hsize_t>::max() / d) checked_count(file, what, std::numeric_limits<hsize_t>::max(), 1);
    n *= d;
  }
  return checked_count(file, what, n, size);
}

/// InputError when a damaged file's dataset claims more stored bytes than the file has, chunks
/// larger than checked_count allows, or a chunk its index records wrongly (outside the dataset or
/// the file, of no size, of the wrong size when unfiltered, or with filters skipped, which MesoSim
/// never does). libhdf5 1.10 trusts the chunk index (not checksummed in the 1.8 format): a flipped
/// chunk size made it allocate 4.2 GB, an emptied one read past its buffer.
void check_storage(const File& file, const std::string& path, const Handle& dataset, std::size_t size) {
  hsize_t file_size = 0;
  H5Fget_filesize(file.id(), &file_size);
  if (H5Dget_storage_size(dataset.id()) > file_size)
    fail_read(file, path + " (it claims " + std::to_string(H5Dget_storage_size(dataset.id())) +
                        " stored bytes in a file of " + std::to_string(file_size) + ": damaged)");
  const Handle properties(H5Dget_create_plist(dataset.id()));
  if (!properties.valid() || H5Pget_layout(properties.id()) != H5D_CHUNKED) return;
  const int rank = H5Pget_chunk(properties.id(), 0, nullptr);
  if (rank <= 0) fail_read(file, path + " (chunk layout)");
  std::vector<hsize_t> chunk(std::size_t(rank), 0);
  H5Pget_chunk(properties.id(), rank, chunk.data());
  const std::size_t chunk_bytes = checked_count(file, path + " chunk", chunk, size) * size;
  const bool filtered = H5Pget_nfilters(properties.id()) > 0;
  const std::vector<hsize_t> dims = dataset_dims(file, path);
  if (dims.size() != chunk.size()) fail_read(file, path + " (chunk rank)");
  const Handle space(H5Dget_space(dataset.id()));
  hsize_t n_chunks = 0;
  if (H5Dget_num_chunks(dataset.id(), space.id(), &n_chunks) < 0) fail_read(file, path + " (chunk index)");
  std::vector<hsize_t> offset(chunk.size(), 0);
  for (hsize_t n = 0; n < n_chunks; ++n) {
    unsigned filter_mask = 0;
    haddr_t address = 0;
    hsize_t stored = 0;
    const bool read = H5Dget_chunk_info(dataset.id(), space.id(), n, offset.data(), &filter_mask, &address, &stored) >= 0;
    bool inside = read && filter_mask == 0 && stored > 0 && (filtered || stored == chunk_bytes) &&
                  address != HADDR_UNDEF && address <= file_size && stored <= file_size - address;
    for (std::size_t d = 0; inside && d < chunk.size(); ++d)
      inside = chunk[d] > 0 && offset[d] % chunk[d] == 0 && offset[d] < std::max<hsize_t>(dims[d], 1);
    if (!inside) fail_read(file, path + " (chunk " + std::to_string(n) + " is recorded wrongly: damaged)");
  }
}
}  // namespace

std::vector<double> read_doubles(const File& file, const std::string& path) {
  const std::vector<hsize_t> dims = dataset_dims(file, path);
  std::vector<double> values(checked_count(file, path, dims, sizeof(double)));
  const hsize_t n = values.size();
  const Handle dataset(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail_read(file, path);
  check_storage(file, path, dataset, sizeof(double));
  if (n > 0 && H5Dread(dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    fail_read(file, path);
  return values;
}

std::vector<std::string> read_strings(const File& file, const std::string& path) {
  const Handle dataset(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) fail_read(file, path);
  const Handle type(H5Dget_type(dataset.id()));
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0) fail_read(file, path + " (strings)");
  const std::size_t width = H5Tget_size(type.id());
  const std::vector<hsize_t> dims = dataset_dims(file, path);
  const hsize_t n = dims.empty() ? 1 : dims[0];
  if (width == 0) fail_read(file, path + " (strings of no width)");
  std::vector<char> packed(checked_count(file, path, n, width) * width + 1, '\0');
  check_storage(file, path, dataset, width);
  if (n > 0 && H5Dread(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data()) < 0) fail_read(file, path);
  std::vector<std::string> values;
  for (hsize_t k = 0; k < n; ++k) {
    const char* start = &packed[k * width];
    values.emplace_back(start, strnlen(start, width));
  }
  return values;
}

namespace {
Handle open_attribute(const File& file, const std::string& object, const std::string& name, Handle& owner) {
  owner = open_object(file, object);
  if (!owner.valid()) fail_read(file, object);
  Handle attribute(H5Aopen(owner.id(), name.c_str(), H5P_DEFAULT));
  if (!attribute.valid()) fail_read(file, "attribute " + name + " of " + object);
  return attribute;
}
hssize_t attribute_size(const Handle& attribute) {
  const Handle space(H5Aget_space(attribute.id()));
  return H5Sget_simple_extent_npoints(space.id());
}
}  // namespace

std::string read_string_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle owner;
  const Handle attribute = open_attribute(file, object, name, owner);
  const Handle type(H5Aget_type(attribute.id()));
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0)
    fail_read(file, "attribute " + name + " of " + object + " (a fixed-length string)");
  const std::size_t width = checked_count(file, "attribute " + name + " of " + object, H5Tget_size(type.id()), 1);
  std::vector<char> text(width + 1, '\0');
  if (H5Aread(attribute.id(), type.id(), text.data()) < 0) fail_read(file, "attribute " + name);
  return std::string(text.data(), strnlen(text.data(), width));
}

double read_double_attribute(const File& file, const std::string& object, const std::string& name) {
  const std::vector<double> values = read_doubles_attribute(file, object, name);
  if (values.size() != 1) fail_read(file, "attribute " + name + " of " + object + " (one number)");
  return values[0];
}

std::vector<double> read_doubles_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle owner;
  const Handle attribute = open_attribute(file, object, name, owner);
  const hssize_t n = attribute_size(attribute);
  if (n < 0) fail_read(file, "attribute " + name);
  std::vector<double> values(checked_count(file, "attribute " + name + " of " + object, hsize_t(n), 8), 0.0);
  if (n > 0 && H5Aread(attribute.id(), H5T_NATIVE_DOUBLE, values.data()) < 0) fail_read(file, "attribute " + name);
  return values;
}

std::vector<long long> read_integers_attribute(const File& file, const std::string& object, const std::string& name) {
  Handle owner;
  const Handle attribute = open_attribute(file, object, name, owner);
  const hssize_t n = attribute_size(attribute);
  if (n < 0) fail_read(file, "attribute " + name);
  std::vector<long long> values(checked_count(file, "attribute " + name + " of " + object, hsize_t(n), 8), 0);
  if (n > 0 && H5Aread(attribute.id(), H5T_NATIVE_LLONG, values.data()) < 0) fail_read(file, "attribute " + name);
  return values;
}

std::vector<std::string> members(const File& file, const std::string& group) {
  const Handle handle(H5Gopen2(file.id(), group.c_str(), H5P_DEFAULT));
  if (!handle.valid()) fail_read(file, group);
  H5G_info_t info;
  if (H5Gget_info(handle.id(), &info) < 0) fail_read(file, group);
  std::vector<std::string> names;
  for (hsize_t n = 0; n < info.nlinks; ++n) {
    const ssize_t size = H5Lget_name_by_idx(handle.id(), ".", H5_INDEX_NAME, H5_ITER_INC, n, nullptr, 0, H5P_DEFAULT);
    if (size < 0) fail_read(file, group);
    std::string name(std::size_t(size) + 1, '\0');
    H5Lget_name_by_idx(handle.id(), ".", H5_INDEX_NAME, H5_ITER_INC, n, name.data(), name.size(), H5P_DEFAULT);
    name.resize(std::size_t(size));
    names.push_back(name);
  }
  return names;
}

}  // namespace mesosim::h5
