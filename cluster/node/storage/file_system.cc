#include "cluster/node/storage/file_system.h"

namespace storage {

common::Status write_file_atomically(FileSystem& fs, const std::string& dir,
                                     const std::string& path, std::string_view bytes) {
  std::string temp = path + ".tmp";
  common::Result<std::unique_ptr<WritableFile>> file = fs.create(temp);
  if (!file) return file.status();
  common::Status s = file.value()->append(bytes);
  if (s) s = file.value()->sync();
  if (s) s = file.value()->close();
  if (s) s = fs.rename(temp, path);
  if (s) s = fs.sync_dir(dir);
  return s;
}

}  // namespace storage
