# Opens a MesoSim results.xmf with ParaView's own reader (pvpython), steps to a snapshot time and
# probes one component at a point; prints the time and the value. Used by test_output.sh, which
# compares them with the values read from results.h5 through h5py.
#   pvpython paraview_probe.py RESULTS.xmf COMPONENT TIME_INDEX X Y Z
import sys

sys.path.insert(0, "/opt/mesosim-pvpython/usr/lib/python3/dist-packages")  # before python3-vtk9's vtkmodules
from paraview import servermanager
from paraview.simple import OpenDataFile, ProbeLocation

path, component, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
point = [float(v) for v in sys.argv[4:7]]
reader = OpenDataFile(path)
reader.UpdatePipelineInformation()
times = list(reader.TimestepValues)
probe = ProbeLocation(Input=reader, ProbeType="Fixed Radius Point Source")
probe.ProbeType.Center = point
probe.UpdatePipeline(times[index])
data = servermanager.Fetch(probe)
array = data.GetPointData().GetArray(component)
if array is None:
    sys.exit("no array %r in %s" % (component, path))
print("%.17g %.17g %d" % (times[index], array.GetValue(0), len(times)))
